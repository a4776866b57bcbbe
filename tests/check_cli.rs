//! `pywarden check` end to end: text and JSON formats, exit codes, Markdown fences with line
//! offsets, `.gitignore` honoured in directory walks, stdin, unreadable and unparsable input.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn check(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .arg("check")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn check_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .arg("check")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn allowed_file_exits_0_denied_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.py", "import math\nprint(math.sqrt(2))\n");
    write(dir.path(), "bad.py", "x = 1\nimport pickle\n");
    let ok = check(&["ok.py"], dir.path());
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("All checks passed"));
    let bad = check(&["bad.py"], dir.path());
    assert_eq!(bad.status.code(), Some(1));
    let text = stdout(&bad);
    assert!(
        text.lines()
            .any(|l| l.starts_with("bad.py:2:8: dangerous-module ")),
        "{text}"
    );
    let both = check(&["ok.py", "bad.py"], dir.path());
    assert_eq!(both.status.code(), Some(1));
}

#[test]
fn missing_path_exits_2_with_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(&["nope.py"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope.py") && err.lines().count() == 1, "{err}");
    let usage = check(&["--format", "xml", "a.py"], dir.path());
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn json_document_has_the_contract_shape() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.py", "import math\n\n\nx = eval('1')\n");
    write(dir.path(), "b.py", "print('fine')\n");
    let out = check(&["--format", "json", "a.py", "b.py"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["version"], 1);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let a = &files[0];
    assert_eq!(a["path"], "a.py");
    assert_eq!(a["allowed"], false);
    assert!(a["score"].as_u64().unwrap() > 0 && a["score"].as_u64().unwrap() <= 100);
    assert!(a["error"].is_null());
    let v = &a["violations"][0];
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["column", "family", "line", "message", "rule", "severity"]
    );
    assert_eq!(v["rule"], "dynamic-code");
    assert_eq!(v["line"], 4);
    assert_eq!(v["column"], 5);
    assert_eq!(files[1]["allowed"], true);
    assert_eq!(files[1]["score"], 0);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"files": 2, "allowed": 1, "denied": 1, "errors": 0})
    );
}

#[test]
fn syntax_error_is_denied_with_error_and_location() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "broken.py", "x = 1\ndef f(:\n    pass\n");
    let out = check(&["--format", "json", "broken.py"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    let f = &doc["files"][0];
    assert_eq!(f["allowed"], false);
    assert_eq!(f["error"]["kind"], "syntax-error");
    assert_eq!(f["error"]["line"], 2);
    assert_eq!(f["violations"][0]["rule"], "syntax-error");
    assert_eq!(f["violations"][0]["line"], 2);
    assert_eq!(doc["summary"]["errors"], 1);
    let text = check(&["broken.py"], dir.path());
    assert!(stdout(&text).contains("broken.py:2:"), "{}", stdout(&text));
}

#[test]
fn hostile_bytes_are_denied_not_crashed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nul.py"), b"x = 1\0\n").unwrap();
    std::fs::write(dir.path().join("latin.py"), b"x = '\xff\xfe'\n").unwrap();
    write(
        dir.path(),
        "deep.py",
        &format!("x = {}{}\n", "[".repeat(50_000), "]".repeat(50_000)),
    );
    for name in ["nul.py", "latin.py", "deep.py"] {
        let out = check(&["--format", "json", name], dir.path());
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stdout(&out));
        let doc = json(&out);
        assert!(!doc["files"][0]["error"].is_null(), "{name}");
        assert!(doc["files"][0]["violations"][0]["line"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn markdown_blocks_are_units_with_file_lines() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "answer.md",
        "Sure! Here is the code:\n\n```python\nimport math\nprint(math.pi)\n```\n\nAnd a shell command:\n\n```bash\nrm -rf /\n```\n\n```py\nx = 1\nimport subprocess\n```\n",
    );
    let out = check(&["--format", "json", "answer.md"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let doc = json(&out);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "two python blocks, the bash one ignored");
    assert_eq!(files[0]["allowed"], true);
    assert_eq!(files[1]["allowed"], false);
    assert_eq!(files[1]["path"], "answer.md");
    // `import subprocess` is line 16 of answer.md.
    assert_eq!(files[1]["violations"][0]["line"], 16);
    let text = check(&["answer.md"], dir.path());
    assert!(stdout(&text).contains("answer.md:16:8: dangerous-module"));
    write(dir.path(), "notes.md", "no code here\n");
    let none = check(&["notes.md"], dir.path());
    assert_eq!(none.status.code(), Some(0));
}

#[test]
fn directories_are_walked_honouring_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pkg/good.py", "print(1)\n");
    write(dir.path(), "pkg/sub/also_good.py", "import json\n");
    write(dir.path(), "pkg/generated/bad.py", "import os\n");
    write(dir.path(), "pkg/.hidden/bad.py", "import os\n");
    write(dir.path(), "pkg/readme.md", "```python\nimport os\n```\n");
    write(dir.path(), "pkg/.gitignore", "generated/\n");
    let out = check(&["--format", "json", "pkg"], dir.path());
    let doc = json(&out);
    let paths: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["pkg/good.py", "pkg/sub/also_good.py"]);
    assert_eq!(out.status.code(), Some(0));
    // Named explicitly, an ignored file is still checked.
    let explicit = check(&["pkg/generated/bad.py"], dir.path());
    assert_eq!(explicit.status.code(), Some(1));
}

#[test]
fn stdin_python_and_markdown() {
    let bad = check_stdin(&["-"], "import ctypes\n");
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stdout(&bad).starts_with("-:1:8: dangerous-module"),
        "{}",
        stdout(&bad)
    );
    let good = check_stdin(&["--format", "json", "-"], "print(sum(range(10)))\n");
    assert_eq!(good.status.code(), Some(0));
    assert_eq!(json(&good)["files"][0]["path"], "-");
    let md = check_stdin(
        &["--format", "json", "-"],
        "Answer:\n```python\nprint(1)\n```\n```python\neval('2')\n```\n",
    );
    assert_eq!(md.status.code(), Some(1));
    let doc = json(&md);
    assert_eq!(doc["files"].as_array().unwrap().len(), 2);
    assert_eq!(doc["files"][1]["violations"][0]["line"], 6);
}

#[test]
fn data_override_changes_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "np.py", "import numpy\n");
    write(
        dir.path(),
        "allow.yaml",
        "gate:\n  imports:\n    extra_allow: [numpy]\n",
    );
    assert_eq!(check(&["np.py"], dir.path()).status.code(), Some(1));
    let out = check(&["--data", "allow.yaml", "np.py"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
