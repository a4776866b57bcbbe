//! The whole pipeline through `CodeExecutor`: gate → sandbox → redaction, and the distinct
//! terminations of the ExecutionResult.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use pywarden::executor::{CodeExecutor, Pipeline};
use pywarden::sandbox::Termination;
use pywarden::sandbox::local::{LocalBackend, LocalOptions};

fn pipeline() -> Pipeline {
    static P: OnceLock<Pipeline> = OnceLock::new();
    P.get_or_init(|| {
        let backend = LocalBackend::new(LocalOptions::default()).expect("backend");
        Pipeline::with_backend(Arc::new(backend)).expect("pipeline")
    })
    .clone()
}

fn exec() -> CodeExecutor {
    CodeExecutor::with_pipeline("tester", pipeline())
}

#[test]
fn allowed_code_runs_and_reports() {
    let r = exec()
        .execute("print('Hello, World!')", None)
        .expect("execute");
    assert!(r.success, "{r:?}");
    assert_eq!(r.stdout, "Hello, World!\n");
    assert_eq!(r.termination, Termination::Exited);
    assert_eq!(r.exit_code, Some(0));
    assert!(r.verdict.allowed);
    assert_eq!(r.backend, "local");
    assert!(r.execution_time_seconds > 0.0 && r.max_rss_kb > 0, "{r:?}");
    let json = serde_json::to_value(&r).expect("json");
    for key in [
        "success",
        "stdout",
        "stderr",
        "error_message",
        "exit_code",
        "termination",
        "truncated",
        "execution_time_seconds",
        "cpu_time_seconds",
        "max_rss_kb",
        "verdict",
        "redactions",
        "backend",
    ] {
        assert!(json.get(key).is_some(), "missing {key} in {json}");
    }
}

#[test]
fn denied_code_never_runs() {
    let r = exec()
        .execute("import os\nos.system('echo ran')", None)
        .expect("execute");
    assert_eq!(r.termination, Termination::Denied, "{r:?}");
    assert!(!r.success && !r.verdict.allowed);
    assert!(
        r.verdict
            .violations
            .iter()
            .any(|v| v.rule == "dangerous-module"),
        "{r:?}"
    );
    assert_eq!(
        (r.exit_code, r.max_rss_kb, r.stdout.as_str()),
        (None, 0, "")
    );
    assert!(
        r.error_message
            .as_deref()
            .unwrap_or("")
            .starts_with("Denied by policy"),
        "{r:?}"
    );
}

#[test]
fn syntax_error_never_runs() {
    let r = exec().execute("def f(:\n    pass", None).expect("execute");
    assert_eq!(r.termination, Termination::SyntaxError, "{r:?}");
    assert!(
        r.error_message
            .as_deref()
            .unwrap_or("")
            .starts_with("SyntaxError: "),
        "{r:?}"
    );
    assert_eq!(r.max_rss_kb, 0);
}

#[test]
fn exception_is_reported_with_type_and_message() {
    let r = exec()
        .execute("print('a')\nx = 1 / 0", None)
        .expect("execute");
    assert_eq!(
        r.error_message.as_deref(),
        Some("ZeroDivisionError: division by zero")
    );
    assert_eq!(r.termination, Termination::Exited);
    assert_eq!(r.exit_code, Some(1));
    assert!(!r.success);
    assert_eq!(r.stdout, "a\n");
}

#[test]
fn context_is_bound() {
    let ctx = serde_json::json!({"items": [1, 2, 3], "name": "x\"); import os #"});
    let r = exec()
        .execute("print(sum(context['items']), context['name'])", Some(ctx))
        .expect("execute");
    assert_eq!(r.stdout, "6 x\"); import os #\n", "{r:?}");
}

#[test]
fn output_is_redacted_unless_switched_off() {
    let code = "print('key: AKIAZ7QW3ER5TY6UI2OP')\nprint('mail jane.doe@example.com')";
    let r = exec().execute(code, None).expect("execute");
    assert!(r.stdout.contains("[REDACTED:aws-access-key-id]"), "{r:?}");
    assert!(!r.stdout.contains("AKIAZ7QW3ER5TY6UI2OP"), "{r:?}");
    let aws = r
        .redactions
        .iter()
        .find(|c| c.rule == "aws-access-key-id")
        .expect("count");
    assert_eq!(aws.count, 1);
    let r = exec()
        .redaction(false)
        .execute(code, None)
        .expect("execute");
    assert!(r.stdout.contains("AKIAZ7QW3ER5TY6UI2OP"));
    assert!(r.redactions.is_empty());
}

#[test]
fn secrets_in_exception_messages_are_redacted() {
    let r = exec()
        .execute("raise ValueError('AKIAZ7QW3ER5TY6UI2OP')", None)
        .expect("execute");
    assert_eq!(
        r.error_message.as_deref(),
        Some("ValueError: [REDACTED:aws-access-key-id]"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("AKIAZ7QW3ER5TY6UI2OP"), "{r:?}");
}

#[test]
fn limits_are_distinct_terminations() {
    let e = exec().analysis(false).timeout(Duration::from_millis(700));
    let r = e.execute("while True:\n    pass", None).expect("execute");
    assert_eq!(r.termination, Termination::Timeout, "{r:?}");
    let e = exec().analysis(false).max_memory_mb(100);
    let r = e
        .execute("b = bytearray(300 * 1024 * 1024)", None)
        .expect("execute");
    assert_eq!(r.termination, Termination::Memory, "{r:?}");
    let e = exec().analysis(false).max_output_bytes(1000);
    let r = e
        .execute("for i in range(10000):\n    print(i)", None)
        .expect("execute");
    assert_eq!(
        (r.termination, r.truncated),
        (Termination::OutputLimit, true),
        "{r:?}"
    );
    assert!(r.stdout.len() <= 1000);
    assert!(!r.success);
}

#[test]
fn extra_allowed_import_reaches_gate_and_runtime_guard() {
    let code = "import csv, io\nprint('ok')";
    let r = exec().execute(code, None).expect("execute");
    assert_eq!(r.termination, Termination::Denied, "{r:?}");
    let r = exec()
        .allow_import("csv")
        .allow_import("io")
        .execute(code, None)
        .expect("execute");
    assert!(r.success, "{r:?}");
    // With the gate off, the runtime guard still enforces the allowlist.
    let r = exec().analysis(false).execute(code, None).expect("execute");
    assert_eq!(
        r.error_message.as_deref(),
        Some("ImportError: pywarden: import of 'csv' is not allowed")
    );
}

#[test]
fn unavailable_sandbox_is_sandbox_error_not_a_weaker_run() {
    let opts = LocalOptions {
        simulate_landlock_abi: Some(5),
        ..LocalOptions::default()
    };
    let backend = LocalBackend::new(opts).expect("backend");
    let p = Pipeline::with_backend(Arc::new(backend)).expect("pipeline");
    let r = CodeExecutor::with_pipeline("u", p.clone())
        .execute("print(1)", None)
        .expect("execute");
    assert_eq!(r.termination, Termination::SandboxError, "{r:?}");
    assert!(!r.success && r.stdout.is_empty());
    assert!(
        r.error_message
            .as_deref()
            .unwrap_or("")
            .contains("refusing to run"),
        "{r:?}"
    );
    let r = CodeExecutor::with_pipeline("u", p)
        .allow_weaker_sandbox(true)
        .execute("print(1)", None)
        .expect("execute");
    assert_eq!(r.stdout, "1\n");
}

#[tokio::test(flavor = "current_thread")]
async fn async_execution_on_a_single_threaded_runtime() {
    let r = exec()
        .execute_async("print(6 * 7)", None)
        .await
        .expect("execute");
    assert_eq!(r.stdout, "42\n", "{r:?}");
}
