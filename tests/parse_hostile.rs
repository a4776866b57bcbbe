//! Hostile inputs: each must give a clear error (or facts) quickly and never abort.
//!
//! Every case runs the built binary (`pywarden analyze -`) in a subprocess, so a regression
//! that overflows the stack (an abort, not a panic) fails the test with the signal instead of
//! killing the test runner.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `pywarden analyze -` on `input`; returns (exit code, stdout JSON, elapsed).
fn analyze(input: &[u8]) -> (i32, serde_json::Value, Duration) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["analyze", "-", "--format", "compact"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pywarden");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    // Drain stdout and stderr concurrently so a large document cannot block the child.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    // Poll with a deadline so a hang fails instead of blocking the suite.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("pywarden analyze did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = err_reader.join().expect("stderr reader");
    let elapsed = start.elapsed();
    let code = status.code().unwrap_or_else(|| {
        panic!(
            "pywarden was killed by a signal ({status:?}); stderr: {}",
            String::from_utf8_lossy(&stderr)
        )
    });
    let json = serde_json::from_slice(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&stdout)
        )
    });
    (code, json, elapsed)
}

fn assert_error(input: &[u8], kind: &str) -> serde_json::Value {
    let (code, json, elapsed) = analyze(input);
    assert_eq!(code, 1, "exit code; output {json}");
    assert_eq!(json["error"]["kind"], kind, "output {json}");
    assert!(json["error"]["line"].as_u64().unwrap() >= 1);
    assert!(json["error"]["column"].as_u64().unwrap() >= 1);
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    json
}

#[test]
fn long_binary_chain_is_too_deep() {
    let src = format!("{}a\n", "a+".repeat(20_000));
    assert_error(src.as_bytes(), "too-deep");
}

#[test]
fn fifty_thousand_open_brackets() {
    let json = assert_error("[".repeat(50_000).as_bytes(), "too-deep");
    assert_eq!(json["error"]["line"], 1);
    assert_eq!(json["error"]["column"], 201);
}

#[test]
fn fifty_thousand_subscripts() {
    let src = format!("x{}\n", "[0]".repeat(50_000));
    assert_error(src.as_bytes(), "too-deep");
}

#[test]
fn ten_thousand_nested_ifs() {
    // 10 000 levels need ≥ 50 MB of indentation: over the default size cap...
    let mut src = String::new();
    for i in 0..10_000 {
        src.push_str(&" ".repeat(i));
        src.push_str("if x:\n");
    }
    src.push_str(&" ".repeat(10_000));
    src.push_str("pass\n");
    assert_error(src.as_bytes(), "too-large");
    // ...and with the cap lifted, the pre-scan refuses level 101 before anything is parsed
    // (in-process: the pre-scan builds no tree, so nothing here can overflow).
    let limits = pywarden::parse::Limits {
        max_bytes: 64 << 20,
        ..Default::default()
    };
    let start = Instant::now();
    let e = pywarden::facts::extract(src.as_bytes(), &limits).unwrap_err();
    assert_eq!((e.kind.as_str(), e.line), ("too-deep", 102));
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn bracket_free_deep_chains() {
    // No brackets, no indentation: only the walk limit and the big stack stand in the way.
    for src in [
        format!("y = {}x\n", "-".repeat(1_000_000)),
        format!("y = x{}\n", ".a".repeat(500_000)),
        format!("y = {}x\n", "not ".repeat(200_000)),
        format!("y = {}1\n", "lambda: ".repeat(100_000)),
        format!("y = {}\n", "x if y else ".repeat(100_000) + "z"),
    ] {
        assert_error(src.as_bytes(), "too-deep");
    }
}

#[test]
fn invalid_utf8_and_nul() {
    let json = assert_error(b"x = 1\ny = '\xff'\n", "encoding");
    assert_eq!(json["error"]["line"], 2);
    assert_error(b"x = 1\x00\n", "nul-byte");
    assert_error(b"# coding: utf-7\nx = '+ADw-'\n", "encoding");
}

#[test]
fn multi_megabyte_files() {
    // Over the cap: refused without parsing.
    let huge = "x = 1\n".repeat(1_000_000);
    assert_error(huge.as_bytes(), "too-large");
    // Under the cap: analysed, quickly.
    let big = "def f(a):\n    return a + 1\n".repeat(100_000);
    let (code, json, elapsed) = analyze(big.as_bytes());
    assert_eq!(code, 0);
    assert_eq!(json["complexity"]["lines"], 200_000);
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    // One huge literal list.
    let list = format!("x = [{}]\n", "1, ".repeat(900_000));
    let (code, json, _) = analyze(list.as_bytes());
    assert_eq!(code, 0);
    assert_eq!(json["complexity"]["max_collection_items"], 900_000);
}

#[test]
fn deep_but_accepted_tree_drops_safely() {
    // Depth just under the limit: accepted, walked and dropped.
    let src = format!("y = {}x\n", "-".repeat(190));
    let (code, json, _) = analyze(src.as_bytes());
    assert_eq!(code, 0, "{json}");
    assert!(json["complexity"]["max_expression_depth"].as_u64().unwrap() >= 190);
    let src = format!("y = {}1{}\n", "(".repeat(200), ")".repeat(200));
    let (code, _, _) = analyze(src.as_bytes());
    assert_eq!(code, 0);
}

#[test]
fn syntax_error_is_located() {
    let json = assert_error(b"x = 1\ndef f(:\n    pass\n", "syntax-error");
    assert_eq!(json["error"]["line"], 2);
    assert_eq!(json["error"]["column"], 7);
}

#[test]
fn unreadable_file_is_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["analyze", "/nonexistent/file.py"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn one_long_line_full_of_facts() {
    // A megabyte-long non-ASCII line with a fact every few bytes: locating must stay linear
    // and the document capped.
    let src = format!("s = 'é'; {}\n", "eval;".repeat(200_000));
    let (code, json, elapsed) = analyze(src.as_bytes());
    assert_eq!(code, 0);
    assert_eq!(json["truncated"], true);
    assert_eq!(json["names"].as_array().unwrap().len(), 10_000);
    assert_eq!(json["names"][9_999]["column"], 10 + 5 * 9_999);
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}
