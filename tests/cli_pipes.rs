//! A reader that closes the pipe early (`pywarden ... | head`) ends the command quietly with
//! status 141 (128 + SIGPIPE, what a shell reports for a filter killed by the closed pipe):
//! no "Broken pipe" error message, no panic, and not a success status that would hide that
//! the output was cut short.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

fn closes_early(args: &[&str], stdin: Vec<u8>) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 5];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let result = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        result.status.code(),
        String::from_utf8_lossy(&result.stderr).into_owned(),
    )
}

fn many_secret_lines(jsonl: bool) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..40_000 {
        if jsonl {
            s.push_str(&format!(
                "{{\"id\": {i}, \"text\": \"key AKIAIOSFODNN7EXAMPLE and more text\"}}\n"
            ));
        } else {
            s.push_str("key AKIAIOSFODNN7EXAMPLE and more text\n");
        }
    }
    s.into_bytes()
}

#[test]
fn redact_text_into_a_closed_pipe_stops_quietly() {
    let (code, stderr) = closes_early(&["redact"], many_secret_lines(false));
    assert_eq!(code, Some(141), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn redact_jsonl_into_a_closed_pipe_stops_quietly() {
    let (code, stderr) = closes_early(&["redact", "--jsonl"], many_secret_lines(true));
    assert_eq!(code, Some(141), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn check_json_into_a_closed_pipe_stops_quietly() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..400 {
        std::fs::write(
            dir.path().join(format!("m{i}.py")),
            "import os\nos.system('id')\nprint(eval('1'))\n",
        )
        .unwrap();
    }
    let path = dir.path().to_str().unwrap();
    let (code, stderr) = closes_early(&["check", "--format", "json", path], Vec::new());
    assert_eq!(code, Some(141), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
