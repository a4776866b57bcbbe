//! Behaviour of the local backend on ordinary code: output, context, exceptions, limits, and
//! the distinct terminations the executor reports.

use std::time::Duration;

use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::sandbox::{Job, RunOutput, SandboxConfig, Termination};

fn backend() -> &'static LocalBackend {
    static B: std::sync::OnceLock<LocalBackend> = std::sync::OnceLock::new();
    B.get_or_init(|| LocalBackend::new(LocalOptions::default()).expect("local backend"))
}

fn run_with(
    code: &str,
    ctx: Option<serde_json::Value>,
    f: impl FnOnce(&mut SandboxConfig),
) -> RunOutput {
    let mut config = SandboxConfig::default();
    f(&mut config);
    let job = Job {
        code: code.into(),
        context: ctx,
        config,
    };
    backend().run_blocking(&job).expect("run")
}

fn run(code: &str) -> RunOutput {
    run_with(code, None, |_| {})
}

#[test]
fn prints_and_exits_zero() {
    let o = run("print('Hello, World!')");
    assert_eq!(o.stdout, "Hello, World!\n", "{o:?}");
    assert_eq!(o.termination, Some(Termination::Exited));
    assert_eq!(o.exit_code, Some(0));
    assert_eq!(o.error_message, None);
    assert!(o.max_rss_kb > 1000, "{o:?}");
}

#[test]
fn context_is_bound_as_data() {
    let ctx = serde_json::json!({"x": 21, "s": "'); import os; ('"});
    let o = run_with("print(context['x'] * 2, context['s'])", Some(ctx), |_| {});
    assert_eq!(o.stdout, "42 '); import os; ('\n", "{o:?}");
}

#[test]
fn exception_type_and_message() {
    let o = run("x = 1\nprint('before')\n1/0");
    assert_eq!(
        o.error_message.as_deref(),
        Some("ZeroDivisionError: division by zero")
    );
    assert_eq!(o.exit_code, Some(1));
    assert_eq!(o.termination, Some(Termination::Exited));
    assert_eq!(o.stdout, "before\n");
    assert!(o.stderr.contains("line 3"), "{}", o.stderr);
}

#[test]
fn syntax_error_is_distinct() {
    let o = run("def f(:\n  pass");
    assert_eq!(o.termination, Some(Termination::SyntaxError), "{o:?}");
    assert!(
        o.error_message
            .as_deref()
            .unwrap_or("")
            .starts_with("SyntaxError"),
        "{o:?}"
    );
}

#[test]
fn system_exit_code() {
    let o = run("raise SystemExit(3)");
    assert_eq!(o.exit_code, Some(3));
    assert_eq!(o.termination, Some(Termination::Exited));
    let o = run("raise SystemExit(0)");
    assert_eq!(o.exit_code, Some(0));
    assert_eq!(o.error_message, None);
}

#[test]
fn wall_clock_timeout() {
    let o = run_with(
        "import time\nprint('go', flush=True)\ntime.sleep(30)",
        None,
        |c| {
            c.timeout = Duration::from_millis(500);
            c.allowed_imports = vec!["time".into()];
        },
    );
    assert_eq!(o.termination, Some(Termination::Timeout), "{o:?}");
    assert!(o.execution_time_seconds < 2.0, "{o:?}");
    assert_eq!(o.stdout, "go\n");
}

#[test]
fn memory_limit_is_memory() {
    let o = run_with("x = bytearray(400 * 1024 * 1024)", None, |c| {
        c.max_memory_mb = 128
    });
    assert_eq!(o.termination, Some(Termination::Memory), "{o:?}");
    assert_eq!(o.error_message.as_deref(), Some("MemoryError"));
}

#[test]
fn output_cap_truncates() {
    let o = run_with("while True:\n    print('x' * 1000)", None, |c| {
        c.max_output_bytes = 10_000
    });
    assert_eq!(o.termination, Some(Termination::OutputLimit), "{o:?}");
    assert!(o.truncated);
    assert!(
        o.stdout.len() <= 10_000 && o.stdout.len() > 5_000,
        "{}",
        o.stdout.len()
    );
}

#[test]
fn runtime_import_guard() {
    let o = run_with("import math\nprint(math.sqrt(16))", None, |c| {
        c.allowed_imports = vec!["math".into()]
    });
    assert_eq!(o.stdout, "4.0\n", "{o:?}");
    let o = run_with("import os\nprint(os.getcwd())", None, |c| {
        c.allowed_imports = vec!["math".into()]
    });
    assert_eq!(
        o.error_message.as_deref(),
        Some("ImportError: pywarden: import of 'os' is not allowed"),
        "{o:?}"
    );
    assert_eq!(o.stdout, "");
}
