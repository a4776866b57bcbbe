//! The process-level examples in `examples/` run as documented, so they cannot rot:
//! the CI policy override (`examples/ci-policy/ci-check.sh`), the batch-redaction job
//! (`examples/batch-redact/redact-batch.sh`) and the stdlib-only HTTP client
//! (`examples/http_client.py`) against a real `pywarden serve`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pywarden")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ci_check(args: &[&str]) -> Output {
    Command::new(repo().join("examples/ci-policy/ci-check.sh"))
        .args(args)
        .env("PYWARDEN", bin())
        .current_dir(repo().join("examples/ci-policy"))
        .output()
        .unwrap()
}

/// The verdict of `path` in a `check --format json` document.
fn file<'a>(doc: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} missing from {doc}"))
}

fn rules(f: &serde_json::Value) -> Vec<String> {
    f["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap().to_string())
        .collect()
}

fn default_test_count() -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(repo().join("policies")).unwrap() {
        let p = e.unwrap().path();
        if p.to_string_lossy().ends_with("_test.rego") {
            let text = std::fs::read_to_string(&p).unwrap();
            n += text.lines().filter(|l| l.starts_with("test_")).count();
        }
    }
    n
}

#[test]
fn ci_policy_override_changes_the_verdicts() {
    // Without the team's policy: numpy is not on the allowlist, time.sleep is fine.
    let out = Command::new(bin())
        .args([
            "check",
            "--format",
            "json",
            "sample/ok.py",
            "sample/sleepy.py",
        ])
        .current_dir(repo().join("examples/ci-policy"))
        .output()
        .unwrap();
    let doc = json(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        rules(file(&doc, "sample/ok.py")),
        vec!["import-not-allowed"]
    );
    assert_eq!(file(&doc, "sample/sleepy.py")["allowed"], true);

    // With it: the policy tests pass (default + team), numpy is allowed by gate.yaml and the
    // team rule of no_sleep.rego denies time.sleep with the severity of no_sleep.yaml.
    let out = ci_check(&["--format", "json", "sample/ok.py", "sample/sleepy.py"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let summary = stdout.lines().find(|l| l.starts_with("PASS: ")).unwrap();
    let (pass, total) = summary["PASS: ".len()..].split_once('/').unwrap();
    assert_eq!(pass, total, "a policy test failed: {stdout}");
    // Every default test plus the team's three ran.
    assert_eq!(
        total.parse::<usize>().unwrap(),
        default_test_count() + 3,
        "{stdout}"
    );
    let doc = json(stdout.lines().last().unwrap().as_bytes());
    let ok = file(&doc, "sample/ok.py");
    assert_eq!(ok["allowed"], true, "{ok}");
    let sleepy = file(&doc, "sample/sleepy.py");
    assert_eq!(sleepy["allowed"], false);
    assert_eq!(rules(sleepy), vec!["no-sleep"]);
    assert_eq!(sleepy["violations"][0]["severity"], "medium");
    assert_eq!(sleepy["violations"][0]["family"], "time");
    assert_eq!(sleepy["violations"][0]["line"], 3);
    assert_eq!(sleepy["score"], 15);

    // Only allowed code: exit 0.
    let out = ci_check(&["sample/ok.py"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn ci_policy_rule_tests_catch_a_broken_rule() {
    // The team's tests are real: a policy whose rule no longer fires fails `policy test`.
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(repo().join("policies")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".rego") || name == "gate.yaml" {
            std::fs::copy(&p, dir.path().join(&name)).unwrap();
        }
    }
    let ex = repo().join("examples/ci-policy");
    for name in ["no_sleep_test.rego", "no_sleep.yaml"] {
        std::fs::copy(ex.join(name), dir.path().join(name)).unwrap();
    }
    let rule = std::fs::read_to_string(ex.join("no_sleep.rego")).unwrap();
    let broken = rule.replace("time.sleep\"]", "time.slept\"]");
    assert_ne!(rule, broken);
    std::fs::write(dir.path().join("no_sleep.rego"), broken).unwrap();
    let out = Command::new(bin())
        .args(["policy", "test", "--quiet", "--policy-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("test_no_sleep_denies_time_sleep: FAIL"),
        "{stdout}"
    );
}

#[test]
fn batch_redaction_job_redacts_every_file_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let output = dir.path().join("out");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(
        input.join("responses.jsonl"),
        concat!(
            r#"{"id": 1, "choices": [{"message": {"content": "key AKIAZ7QW3ER5TY6UI2OP here"}}]}"#,
            "\n",
            r#"{"id": 2, "choices": [{"message": {"content": "nothing to see"}}]}"#,
            "\n",
            r#"{"id": 3, "choices": [{"message": {"content": "mail bob@example.org"}}], "model": "m"}"#,
            "\n",
        ),
    )
    .unwrap();
    std::fs::write(
        input.join("clean.jsonl"),
        "{\"choices\": [{\"message\": {\"content\": \"hi\"}}]}\n",
    )
    .unwrap();
    let out = Command::new(repo().join("examples/batch-redact/redact-batch.sh"))
        .arg(&input)
        .arg(&output)
        .args(["--field", "/choices/0/message/content"])
        .env("PYWARDEN", bin())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("responses.jsonl: redacted"), "{stdout}");
    assert!(stdout.contains("clean.jsonl: clean"), "{stdout}");
    assert!(stdout.contains("done: 1 file(s) had findings"), "{stdout}");

    let redacted = std::fs::read_to_string(output.join("responses.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = redacted.lines().map(|l| json(l.as_bytes())).collect();
    assert_eq!(lines.len(), 3);
    let content = |i: usize| {
        lines[i]["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
    };
    assert_eq!(content(0), "key [REDACTED:aws-access-key-id] here");
    assert_eq!(content(1), "nothing to see");
    assert_eq!(content(2), "mail [REDACTED:email-address]");
    assert_eq!(lines[2]["model"], "m", "other fields are kept");
    assert_eq!(lines[0]["id"], 1, "records stay in input order");
    assert!(!redacted.contains("AKIAZ7QW3ER5TY6UI2OP"));

    let report = std::fs::read(output.join("responses.jsonl.findings.json")).unwrap();
    let report_text = text(&report);
    assert!(
        !report_text.contains("AKIAZ7QW3ER5TY6UI2OP"),
        "the report never holds a secret"
    );
    let report = json(&report);
    assert_eq!(report["summary"]["findings"], 2, "{report}");
    assert_eq!(report["summary"]["by_rule"]["aws-access-key-id"], 1);
    assert_eq!(report["summary"]["by_rule"]["email-address"], 1);
    let clean = json(&std::fs::read(output.join("clean.jsonl.findings.json")).unwrap());
    assert_eq!(clean["summary"]["findings"], 0);
}

#[test]
fn batch_redaction_job_fails_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("in")).unwrap();
    std::fs::write(dir.path().join("in/a.jsonl"), "{\"text\": \"x\"}\n").unwrap();
    let out = Command::new(repo().join("examples/batch-redact/redact-batch.sh"))
        .arg(dir.path().join("in"))
        .arg(dir.path().join("out"))
        .args(["--field", "not-a-pointer"])
        .env("PYWARDEN", bin())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("failed (exit 2)"));
}

/// A `pywarden serve` child process, killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &Path) -> Server {
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("serve exited before listening")
            .unwrap();
        if let Some((_, url)) = line.split_once("listening on ") {
            break url.trim().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

fn python() -> PathBuf {
    [
        "/root/.pyenv/versions/3.11.7/bin/python3",
        "/usr/bin/python3.11",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .unwrap_or_else(|| PathBuf::from("python3"))
}

#[test]
fn http_client_example_talks_to_a_real_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pywarden.db");
    let out = Command::new(bin())
        .args([
            "keys",
            "create",
            "--user",
            "carol",
            "--daily-executions",
            "10",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let key = text(&out.stdout).lines().last().unwrap().to_string();
    let server = serve(&db);

    let out = Command::new(python())
        .arg(repo().join("examples/http_client.py"))
        .env("PYWARDEN_URL", &server.url)
        .env("PYWARDEN_KEY", &key)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let expected = [
        "analyze: 200 allowed=True score=0",
        "execute: 200 termination=exited stdout='total=6\\n'",
        "record: 200 user=carol success=True",
        "denied: 200 termination=denied rules=['dangerous-module']",
        "bad request: 422 invalid_field",
        // Both executions count (the denied one too); the 422 does not.
        "quota: 200 used=2 remaining=8",
    ];
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected, "{stdout}");

    // Without a key the client refuses to start rather than sending anonymous requests.
    let out = Command::new(python())
        .arg(repo().join("examples/http_client.py"))
        .env("PYWARDEN_URL", &server.url)
        .env_remove("PYWARDEN_KEY")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("PYWARDEN_KEY"));
}

#[test]
fn github_workflow_gate_step_runs_and_writes_sarif() {
    let workflow = std::fs::read_to_string(repo().join("examples/github-workflow.yml")).unwrap();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let body: String = workflow
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        readme.contains(&body),
        "README's workflow differs from examples/github-workflow.yml"
    );
    let wf: serde_yaml::Value = serde_yaml::from_str(&workflow).unwrap();
    let steps = wf["jobs"]["gate"]["steps"].as_sequence().unwrap();
    let gate = steps
        .iter()
        .find(|s| s["id"] == "gate")
        .expect("a step with id gate");
    let run = gate["run"].as_str().unwrap();
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
    }));

    // Run the gate step's command in a checkout holding one denied file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.py"), "print(1)\n").unwrap();
    std::fs::write(dir.path().join("bad.py"), "import os\nos.system('id')\n").unwrap();
    let bin_dir = Path::new(bin()).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-e", "-c", run])
        .env("PATH", path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "denied code fails the step: {}",
        text(&out.stderr)
    );
    let sarif = json(&std::fs::read(dir.path().join("pywarden.sarif")).unwrap());
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "dangerous-module"),
        "{sarif}"
    );
}
