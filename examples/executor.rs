//! Using the library's `CodeExecutor`: build the pipeline once, then gate and run code for a
//! user, reading every outcome from the `ExecutionResult` (no outcome of the code is an `Err`).
//!
//! ```text
//! cargo run --release --example executor
//! ```
//!
//! `tests/examples_executor.rs` compiles this file into a test and checks what `demo` prints,
//! so the example cannot rot.

use std::io::Write;
use std::time::Duration;

use pywarden::executor::{CodeExecutor, Pipeline};
use pywarden::sandbox::Termination;

/// Runs five snippets through the whole pipeline and writes one line per outcome to `out`.
pub fn demo(out: &mut dyn Write) -> anyhow::Result<()> {
    // The expensive parts (compiled policy, redaction engine, local sandbox backend) are built
    // once per process and shared: one `Pipeline`, a cheap `CodeExecutor` per user.
    let pipeline = Pipeline::local_default()?;
    let alice = CodeExecutor::with_pipeline("alice", pipeline.clone())
        .timeout(Duration::from_secs(5))
        .max_memory_mb(256);

    // 1. Allowed code with a context value: `context` is bound to the JSON, never pasted in.
    let r = alice.execute(
        "print(sum(context['xs']))",
        Some(serde_json::json!({"xs": [1, 2, 3]})),
    )?;
    writeln!(out, "sum: success={} stdout={:?}", r.success, r.stdout)?;

    // 2. Denied by the static gate: nothing runs, the verdict says why.
    let r = alice.execute("import subprocess\nsubprocess.run(['id'])", None)?;
    let rules: Vec<&str> = r
        .verdict
        .violations
        .iter()
        .map(|v| v.rule.as_str())
        .collect();
    writeln!(
        out,
        "subprocess: termination={:?} allowed={} rules={rules:?}",
        r.termination, r.verdict.allowed
    )?;

    // 3. An exception in the code is a result too, with the type and message.
    let r = alice.execute("print(1 / 0)", None)?;
    writeln!(
        out,
        "divide: success={} error={:?}",
        r.success, r.error_message
    )?;

    // 4. Secrets in the output are redacted, and counted per detector.
    let r = alice.execute("print('key=' + 'AKIAZ7QW3ER5TY6UI2OP')", None)?;
    let counts: Vec<String> = r
        .redactions
        .iter()
        .map(|c| format!("{}:{}", c.rule, c.count))
        .collect();
    writeln!(out, "secret: stdout={:?} redactions={counts:?}", r.stdout)?;

    // 5. Limits: a loop the gate cannot prove endless is stopped by the wall clock.
    let bob = CodeExecutor::with_pipeline("bob", pipeline).timeout(Duration::from_secs(1));
    let r = bob.execute("n = 0\nwhile n >= 0:\n    n += 1\n", None)?;
    writeln!(
        out,
        "loop: termination={:?} timed_out={}",
        r.termination,
        r.termination == Termination::Timeout
    )?;
    Ok(())
}

#[allow(dead_code)] // `tests/examples_executor.rs` includes this file and calls `demo` itself
fn main() -> anyhow::Result<()> {
    demo(&mut std::io::stdout())
}
