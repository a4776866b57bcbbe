//! The console sessions in the README and docs/ are real: every `$ command` of a ```` ```console ````
//! block whose output does not depend on time, a server or the machine is run again (in a
//! fresh directory, with this build's `pywarden` first on `PATH`, stdout and stderr together)
//! and must print exactly what the document shows.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One `$ command` and the output lines the document shows for it.
struct Step {
    command: String,
    output: String,
    line: usize,
}

/// Commands whose output depends on time, the machine, a running server or the network.
fn skipped(cmd: &str) -> bool {
    const UNSTABLE: &[&str] = &[
        "curl ",
        "pywarden serve",
        "keys create",
        "KEY=",
        "--sandbox-info",
        "cargo ",
        "scripts/",
        "sqlite3 ",
        "--backend e2b",
        "| head",
        "--format json",
        "PYWARDEN=",
    ];
    cmd.starts_with('#') || UNSTABLE.iter().any(|u| cmd.contains(u))
}

fn quotes_balanced(s: &str) -> bool {
    s.chars().filter(|&c| c == '\'').count() % 2 == 0
}

/// The steps of every console block of `doc`, in order, one `Vec` per block.
fn console_blocks(doc: &str) -> Vec<Vec<Step>> {
    let mut blocks = Vec::new();
    let lines: Vec<&str> = doc.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "```console" {
            i += 1;
            continue;
        }
        i += 1;
        let mut steps: Vec<Step> = Vec::new();
        while i < lines.len() && lines[i].trim() != "```" {
            let line = lines[i];
            if let Some(cmd) = line.strip_prefix("$ ") {
                let mut command = cmd.to_string();
                let start = i + 1;
                // A quoted argument spanning lines, or a here-document, continues the command.
                while !quotes_balanced(&command) && i + 1 < lines.len() {
                    i += 1;
                    command.push('\n');
                    command.push_str(lines[i]);
                }
                if let Some(pos) = command.find("<<'") {
                    let tag = command[pos + 3..].split('\'').next().unwrap().to_string();
                    loop {
                        i += 1;
                        command.push('\n');
                        command.push_str(lines[i]);
                        if lines[i] == tag {
                            break;
                        }
                    }
                }
                steps.push(Step {
                    command,
                    output: String::new(),
                    line: start,
                });
            } else if let Some(step) = steps.last_mut() {
                step.output.push_str(line);
                step.output.push('\n');
            }
            i += 1;
        }
        blocks.push(steps);
        i += 1;
    }
    blocks
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs every stable step of every console block of `doc_path`; `setup` prepares the directory.
fn check_doc(doc_path: &str, setup: impl Fn(&Path)) -> usize {
    let doc = std::fs::read_to_string(repo().join(doc_path)).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_pywarden"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut checked = 0;
    let mut failures = Vec::new();
    for block in console_blocks(&doc) {
        // Each block is a session: its steps share one directory.
        let dir = tempfile::tempdir().unwrap();
        setup(dir.path());
        // `$?` of the previous step, so a documented `echo $?` sees it.
        let mut last_status = 0;
        for step in block {
            if skipped(&step.command) {
                continue;
            }
            let script = format!("exec 2>&1\n(exit {last_status})\n{}\n", step.command);
            let out = Command::new("bash")
                .arg("-c")
                .arg(script)
                .env("PATH", &path)
                .current_dir(dir.path())
                .output()
                .unwrap();
            last_status = out.status.code().unwrap_or(128);
            let got = String::from_utf8_lossy(&out.stdout);
            if got != step.output {
                failures.push(format!(
                    "{doc_path}:{}: `{}`\n--- documented\n{}--- actual\n{got}",
                    step.line, step.command, step.output
                ));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    checked
}

#[test]
fn readme_sessions_are_real() {
    // check (2 files + exit code), redact (here-document, exit code, output), run (3 commands).
    assert!(check_doc("README.md", |_| {}) >= 10);
}

#[test]
fn docs_sessions_are_real() {
    let acme = {
        let doc = std::fs::read_to_string(repo().join("docs/redaction.md")).unwrap();
        let start =
            doc.find("```yaml\ndetectors:\n  - id: acme-token").unwrap() + "```yaml\n".len();
        let len = doc[start..].find("```").unwrap();
        doc[start..start + len].to_string()
    };
    let n = check_doc("docs/redaction.md", |dir| {
        std::fs::write(dir.join("acme.yaml"), &acme).unwrap();
    });
    assert!(n >= 7, "only {n} steps checked in docs/redaction.md");
    assert!(check_doc("docs/security.md", |_| {}) >= 2);
    assert!(check_doc("docs/policies.md", |_| {}) >= 2);
}

#[test]
fn parser_sees_here_documents_and_multiline_quotes() {
    let doc = "```console\n$ cat > a <<'EOF'\nx\nEOF\n$ echo 'a\nb'\na\nb\n```\n";
    let blocks = console_blocks(doc);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].len(), 2);
    assert_eq!(blocks[0][0].command, "cat > a <<'EOF'\nx\nEOF");
    assert_eq!(blocks[0][0].output, "");
    assert_eq!(blocks[0][1].command, "echo 'a\nb'");
    assert_eq!(blocks[0][1].output, "a\nb\n");
}
