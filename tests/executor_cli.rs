//! `pywarden run`: the CLI shell over `CodeExecutor::execute` — options, formats, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn pywarden(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run pywarden")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn hello_world_json_matches_the_contract() {
    let out = pywarden(&["run", "-c", "print('Hello, World!')", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["success"], true);
    assert_eq!(v["stdout"], "Hello, World!\n");
    assert_eq!(v["termination"], "exited");
    assert_eq!(v["verdict"]["allowed"], true);
    assert_eq!(v["backend"], "local");
    assert!(v["error_message"].is_null());
}

#[test]
fn text_mode_replays_output_and_summarises_failures() {
    let out = pywarden(&["run", "-c", "print('hi')\n1/0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Traceback"), "{err}");
    assert!(
        err.ends_with("pywarden: exited: ZeroDivisionError: division by zero\n"),
        "{err}"
    );
}

#[test]
fn denied_code_exits_one() {
    let out = pywarden(&["run", "-c", "import subprocess", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["termination"], "denied");
}

#[test]
fn file_stdin_context_and_imports() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("job.py");
    std::fs::write(&f, "import csv\nprint(context['n'] + 1)").expect("write");
    let path = f.to_str().expect("utf-8 path");
    let out = pywarden(&[
        "run",
        path,
        "--context",
        "{\"n\": 41}",
        "--allow-import",
        "csv",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "42\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["run", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"print('from stdin')")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(json(&out)["stdout"], "from stdin\n");
}

#[test]
fn limits_from_options() {
    let out = pywarden(&[
        "run",
        "--no-analysis",
        "--timeout",
        "0.5",
        "-c",
        "while True: pass",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["termination"], "timeout");
    let out = pywarden(&[
        "run",
        "--no-analysis",
        "--memory-mb",
        "100",
        "-c",
        "b = bytearray(300 * 2**20)",
        "--format",
        "json",
    ]);
    assert_eq!(json(&out)["termination"], "memory");
    let out = pywarden(&[
        "run",
        "--max-output",
        "100",
        "-c",
        "print('x' * 1000)",
        "--format",
        "json",
    ]);
    let v = json(&out);
    assert_eq!(
        (v["termination"].as_str(), v["truncated"].as_bool()),
        (Some("output_limit"), Some(true))
    );
}

#[test]
fn redaction_switch() {
    let code = "print('AKIAZ7QW3ER5TY6UI2OP')";
    let v = json(&pywarden(&["run", "-c", code, "--format", "json"]));
    assert_eq!(v["stdout"], "[REDACTED:aws-access-key-id]\n");
    assert_eq!(v["redactions"][0]["rule"], "aws-access-key-id");
    let v = json(&pywarden(&[
        "run",
        "--no-redact",
        "-c",
        code,
        "--format",
        "json",
    ]));
    assert_eq!(v["stdout"], "AKIAZ7QW3ER5TY6UI2OP\n");
}

#[test]
fn usage_and_configuration_errors_exit_two() {
    for args in [
        &["run", "--context", "{bad", "-c", "pass"][..],
        &["run", "--timeout", "-1", "-c", "pass"],
        &["run", "--timeout", "nan", "-c", "pass"],
        &["run"],
        &["run", "/nonexistent/file.py"],
        &["run", "--python", "/nonexistent/python", "-c", "pass"],
        &[
            "run",
            "--allow-import",
            "a.b;c",
            "--no-analysis",
            "-c",
            "pass",
        ],
    ] {
        let out = pywarden(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("pywarden: ") || err.starts_with("error: "),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn refuses_without_full_landlock_unless_opted_in() {
    let out = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["run", "-c", "print('ran')"])
        .env("PYWARDEN_SIMULATE_LANDLOCK_ABI", "4")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sandbox_error") && err.contains("refusing to run"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["run", "--allow-weaker-sandbox", "-c", "print('ran')"])
        .env("PYWARDEN_SIMULATE_LANDLOCK_ABI", "4")
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ran\n");
}

#[test]
fn e2b_backend_without_key_is_a_configuration_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["run", "--backend", "e2b", "-c", "print(1)"])
        .env_remove("E2B_API_KEY")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E2B_API_KEY"));
}
