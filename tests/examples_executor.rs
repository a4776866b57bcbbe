//! `examples/executor.rs` (the library's `CodeExecutor`) compiled into this test and run:
//! what it prints is what its comments promise.

#[path = "../examples/executor.rs"]
mod executor_example;

#[test]
fn executor_example_prints_every_outcome() {
    let mut out = Vec::new();
    executor_example::demo(&mut out).expect("the example runs");
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            r#"sum: success=true stdout="6\n""#,
            r#"subprocess: termination=Denied allowed=false rules=["dangerous-module"]"#,
            r#"divide: success=false error=Some("ZeroDivisionError: division by zero")"#,
            r#"secret: stdout="key=[REDACTED:aws-access-key-id]\n" redactions=["aws-access-key-id:1"]"#,
            "loop: termination=Timeout timed_out=true",
        ],
        "{out}"
    );
}
