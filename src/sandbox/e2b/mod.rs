//! E2B backend: forwards gated code to E2B Firecracker microVMs over E2B's wire protocol.
//!
//! One run = one fresh sandbox: [`ControlPlane::create`] (template `code-interpreter-v1`,
//! explicit lifetime = job timeout + margin, `secure: true`, no internet unless configured,
//! `metadata: {"pywarden": "1"}`), one streamed `POST /execute` on the data plane
//! ([`DataPlane::execute`]), then `DELETE` of the sandbox. The sandbox is owned by a
//! [`KillGuard`] from the moment it exists: the normal paths await the kill, and any other
//! exit — an error, the deadline, a panic, the caller dropping the future — drops the guard,
//! which spawns the kill. So no billable sandbox outlives a run (and if even that kill is
//! lost, E2B reaps it when its short lifetime ends).
//!
//! The static gate and redaction are the executor's; this backend only reports a
//! [`RunOutput`]. Modules: [`config`] (environment names of E2B's SDKs), [`control`] (control
//! plane), [`stream`] (data plane and NDJSON), [`standin`] (a local server speaking the same
//! protocol, for tests and demos: `cargo run --example e2b_standin`).
//!
//! **How `context` reaches the code.** E2B's `env_vars` are pasted unescaped into Python
//! source by the template, so they are never used. Instead the code is prefixed with one
//! fixed line, `context = __import__("json").loads(__import__("base64").b64decode("<B64>"))`,
//! where `<B64>` is the base64 of the context's JSON. The base64 alphabet (`A–Z a–z 0–9 + / =`)
//! cannot close the string literal, so no context value — `"""; import os #` included — can
//! become code. One request, no file write, no extra names left behind besides `context`
//! (which is `None` when there is no context). The line goes after the module docstring and
//! any `from __future__` imports, which CPython requires to come first; tracebacks count one
//! extra line from there on (none when the first statement after them shares a line, where
//! the assignment is joined with `; ` instead).

pub mod config;
pub mod control;
pub mod standin;
pub mod stream;

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use futures_util::future::BoxFuture;
use tokio::time::Instant;

pub use config::E2bConfig;
pub use control::{ControlPlane, SandboxInfo};
pub use stream::{Collector, DataPlane, Ending};

use super::{Backend, Job, RunOutput, SandboxError, Termination};

/// The E2B backend (`--backend e2b`).
pub struct E2bBackend {
    cfg: E2bConfig,
    control: ControlPlane,
    data: DataPlane,
    pool: Arc<Pool>,
}

impl fmt::Debug for E2bBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("E2bBackend")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl E2bBackend {
    /// Reads `E2B_API_KEY`, `E2B_DOMAIN`, `E2B_API_URL`, `E2B_SANDBOX_URL` (and the
    /// `PYWARDEN_E2B_*` knobs); a missing key is a [`SandboxError::Config`].
    pub fn from_env() -> Result<Self, SandboxError> {
        Self::new(E2bConfig::from_env()?)
    }

    /// A backend with an explicit configuration.
    pub fn new(cfg: E2bConfig) -> Result<Self, SandboxError> {
        cfg.validate()?;
        Ok(Self {
            control: ControlPlane::new(&cfg)?,
            data: DataPlane::new(&cfg)?,
            pool: Arc::new(Pool::default()),
            cfg,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &E2bConfig {
        &self.cfg
    }

    /// Fills the warm pool (no-op when `pool_size` is 0). Returns how many sandboxes are idle.
    pub async fn warm_up(&self) -> Result<usize, SandboxError> {
        while self.pool.idle_count() < self.cfg.pool_size {
            let sb = self.control.create(self.cfg.pool_idle_lifetime).await?;
            self.pool.put(
                KillGuard::new(self.control.clone(), sb),
                self.cfg.pool_idle_lifetime,
            );
        }
        Ok(self.pool.idle_count())
    }

    /// Kills every idle pooled sandbox and waits for the kills (call before exiting when a
    /// pool is in use; dropping the backend only *spawns* those kills).
    pub async fn shutdown(&self) {
        let idle = self.pool.drain();
        for g in idle {
            g.kill_now().await;
        }
    }

    /// Lifetime to ask for: the job's deadline plus the margin, whole seconds rounded up.
    fn lifetime(&self, job: &Job) -> Duration {
        let total = job.config.timeout + self.cfg.lifetime_margin;
        Duration::from_secs(total.as_secs() + u64::from(total.subsec_nanos() > 0))
    }

    /// A sandbox for one run: a warm one (its lifetime refreshed) or a new one.
    async fn acquire(&self, lifetime: Duration) -> Result<KillGuard, SandboxError> {
        if self.cfg.pool_size > 0 {
            while let Some(guard) = self.pool.take() {
                self.refill();
                let Some(sb) = &guard.sandbox else { continue };
                match self.control.set_lifetime(&sb.sandbox_id, lifetime).await {
                    Ok(()) => return Ok(guard),
                    // Dropping the guard kills the stale sandbox.
                    Err(e) => tracing::debug!("discarding pooled E2B sandbox: {e}"),
                }
            }
            self.refill();
        }
        let sb = self.control.create(lifetime).await?;
        Ok(KillGuard::new(self.control.clone(), sb))
    }

    /// Starts background creations until idle + in-flight reaches `pool_size`.
    fn refill(&self) {
        let want = self.cfg.pool_size;
        while let Some(ticket) = self.pool.reserve(want) {
            let control = self.control.clone();
            let pool = Arc::downgrade(&self.pool);
            let lifetime = self.cfg.pool_idle_lifetime;
            tokio::spawn(async move {
                let _ticket = ticket;
                match control.create(lifetime).await {
                    Ok(sb) => {
                        let guard = KillGuard::new(control, sb);
                        // Backend gone meanwhile: the guard's drop kills the sandbox.
                        if let Some(pool) = pool.upgrade() {
                            pool.put(guard, lifetime);
                        }
                    }
                    Err(e) => tracing::warn!("E2B warm pool: {e}"),
                }
            });
        }
    }

    async fn run_job(&self, job: &Job) -> Result<RunOutput, SandboxError> {
        let guard = self.acquire(self.lifetime(job)).await?;
        let sandbox = guard
            .sandbox()
            .cloned()
            .ok_or_else(|| SandboxError::Remote("E2B sandbox already released".into()))?;
        let code = with_context_prelude(&job.code, job.context.as_ref())?;
        let started = Instant::now();
        let mut collector = Collector::new(job.config.max_output_bytes);
        let ending = self
            .data
            .execute(
                &sandbox,
                &code,
                started + job.config.timeout,
                &mut collector,
            )
            .await;
        let elapsed = started.elapsed();
        guard.kill_now().await;
        Ok(to_run_output(ending?, collector, elapsed, job))
    }
}

impl Backend for E2bBackend {
    fn name(&self) -> &'static str {
        "e2b"
    }

    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<RunOutput, SandboxError>> {
        Box::pin(self.run_job(job))
    }
}

/// The code actually sent: the user's code with the fixed context line inserted after its
/// docstring and `from __future__` imports (see module docs).
///
/// ```
/// let code = pywarden::sandbox::e2b::with_context_prelude(
///     "print(context['q'])",
///     Some(&serde_json::json!({"q": "\"\"\"; import os #"})),
/// )
/// .unwrap();
/// assert!(!code.contains("import os"));
/// assert!(code.ends_with("\nprint(context['q'])"));
///
/// let future = pywarden::sandbox::e2b::with_context_prelude(
///     "from __future__ import annotations\nx: int = 1",
///     None,
/// )
/// .unwrap();
/// assert!(future.starts_with("from __future__ import annotations\ncontext = "));
/// ```
pub fn with_context_prelude(
    code: &str,
    context: Option<&serde_json::Value>,
) -> Result<String, SandboxError> {
    let json = serde_json::to_vec(context.unwrap_or(&serde_json::Value::Null))
        .map_err(|e| SandboxError::Config(format!("context is not serialisable: {e}")))?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(json);
    let line = format!(
        "context = __import__(\"json\").loads(__import__(\"base64\").b64decode(\"{b64}\"))"
    );
    let (at, same_line) = prelude_position(code);
    let (head, tail) = code.split_at(at);
    let mut out = String::with_capacity(code.len() + line.len() + 3);
    out.push_str(head);
    if !head.is_empty() && !head.ends_with('\n') && !same_line {
        out.push('\n');
    }
    out.push_str(&line);
    out.push_str(if same_line { "; " } else { "\n" });
    out.push_str(tail);
    Ok(out)
}

/// Where the context line goes: the byte offset of the first statement that is neither the
/// module docstring nor a `from __future__` import (the end of the code if there is none),
/// and whether that statement starts mid-line (after a `;`), in which case it is a simple
/// statement and the line is joined to it with `; `. Code that does not parse gets the line
/// first: CPython reports its syntax error either way.
fn prelude_position(code: &str) -> (usize, bool) {
    use ruff_python_ast::{Expr, Stmt};
    let Ok(parsed) = ruff_python_parser::parse_module(code) else {
        return (0, false);
    };
    let body = &parsed.syntax().body;
    let mut skip = 0;
    if let Some(Stmt::Expr(e)) = body.first()
        && matches!(*e.value, Expr::StringLiteral(_))
    {
        skip = 1;
    }
    while let Some(Stmt::ImportFrom(i)) = body.get(skip)
        && i.level == 0
        && i.module
            .as_ref()
            .is_some_and(|m| m.as_str() == "__future__")
    {
        skip += 1;
    }
    if skip == 0 {
        return (0, false);
    }
    match body.get(skip) {
        None => (code.len(), false),
        Some(stmt) => {
            let start = usize::from(ruff_text_size::Ranged::start(stmt));
            let line_start = code[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            let same_line = !code[line_start..start].trim().is_empty();
            (if same_line { start } else { line_start }, same_line)
        }
    }
}

fn to_run_output(ending: Ending, c: Collector, elapsed: Duration, job: &Job) -> RunOutput {
    let mut out = RunOutput {
        execution_time_seconds: elapsed.as_secs_f64(),
        truncated: c.truncated,
        ..RunOutput::default()
    };
    match ending {
        Ending::Ended => match &c.error {
            None => {
                out.exit_code = Some(0);
                out.termination = Some(Termination::Exited);
            }
            Some((name, value)) => {
                out.exit_code = Some(1);
                out.termination = Some(if name == "MemoryError" {
                    Termination::Memory
                } else {
                    Termination::Exited
                });
                out.error_message = Some(if value.is_empty() {
                    name.clone()
                } else {
                    format!("{name}: {value}")
                });
            }
        },
        Ending::Timeout => {
            out.termination = Some(Termination::Timeout);
            out.error_message = Some(format!(
                "TimeoutError: execution exceeded {:.3} s",
                job.config.timeout.as_secs_f64()
            ));
        }
        Ending::OutputLimit => {
            out.termination = Some(Termination::OutputLimit);
            out.truncated = true;
            out.error_message = Some(format!(
                "OutputLimitExceeded: output exceeded {} bytes",
                job.config.max_output_bytes
            ));
        }
    }
    out.stdout = c.stdout;
    out.stderr = c.stderr;
    out
}

/// Owns a live sandbox: [`KillGuard::kill_now`] kills it and waits; dropping the guard any
/// other way (error, panic, cancellation) spawns the kill on the current tokio runtime, or on
/// a helper thread when there is none.
pub struct KillGuard {
    control: ControlPlane,
    sandbox: Option<SandboxInfo>,
}

impl KillGuard {
    pub fn new(control: ControlPlane, sandbox: SandboxInfo) -> Self {
        Self {
            control,
            sandbox: Some(sandbox),
        }
    }

    /// The guarded sandbox.
    pub fn sandbox(&self) -> Option<&SandboxInfo> {
        self.sandbox.as_ref()
    }

    /// Kills the sandbox now and waits (failures are logged: E2B reaps it at end of life).
    pub async fn kill_now(mut self) {
        if let Some(sb) = self.sandbox.take()
            && let Err(e) = self.control.kill(&sb.sandbox_id).await
        {
            tracing::warn!("{e}");
        }
    }
}

impl Drop for KillGuard {
    fn drop(&mut self) {
        let Some(sb) = self.sandbox.take() else {
            return;
        };
        let control = self.control.clone();
        let kill = async move {
            if let Err(e) = control.kill(&sb.sandbox_id).await {
                tracing::warn!("{e}");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(kill);
            }
            Err(_) => {
                let _ = std::thread::Builder::new()
                    .name("e2b-kill".into())
                    .spawn(move || {
                        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                        {
                            rt.block_on(kill);
                        }
                    });
            }
        }
    }
}

/// Warm sandboxes, each used once. Idle entries carry their expiry so a sandbox about to be
/// reaped by E2B is never handed out.
#[derive(Default)]
struct Pool {
    inner: Mutex<PoolInner>,
}

#[derive(Default)]
struct PoolInner {
    idle: VecDeque<(KillGuard, std::time::Instant)>,
    in_flight: usize,
}

/// Counts one background creation; released on drop.
struct Ticket(std::sync::Weak<Pool>);

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some(pool) = self.0.upgrade() {
            pool.lock().in_flight -= 1;
        }
    }
}

impl Pool {
    fn lock(&self) -> std::sync::MutexGuard<'_, PoolInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn idle_count(&self) -> usize {
        self.lock().idle.len()
    }

    fn put(&self, guard: KillGuard, lifetime: Duration) {
        let expires = std::time::Instant::now() + lifetime;
        self.lock().idle.push_back((guard, expires));
    }

    /// The next idle sandbox with at least 5 s of life left; stale ones are dropped (killed).
    fn take(&self) -> Option<KillGuard> {
        let mut inner = self.lock();
        while let Some((guard, expires)) = inner.idle.pop_front() {
            if expires > std::time::Instant::now() + Duration::from_secs(5) {
                return Some(guard);
            }
        }
        None
    }

    fn reserve(self: &Arc<Self>, want: usize) -> Option<Ticket> {
        let mut inner = self.lock();
        if inner.idle.len() + inner.in_flight >= want {
            return None;
        }
        inner.in_flight += 1;
        Some(Ticket(Arc::downgrade(self)))
    }

    fn drain(&self) -> Vec<KillGuard> {
        self.lock().idle.drain(..).map(|(g, _)| g).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_prelude_never_pastes_values() {
        for hostile in [
            serde_json::json!("\"\"\"; import os #"),
            serde_json::json!({"k": "')\nimport os\n#", "n": [1, null, true]}),
            serde_json::json!("\\x00\u{2028}é"),
        ] {
            let code = with_context_prelude("pass", Some(&hostile)).unwrap();
            let first = code.lines().next().unwrap();
            let b64 = first
                .split("b64decode(\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            assert!(
                b64.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
            );
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(&decoded).unwrap(),
                hostile
            );
            assert_eq!(code.lines().count(), 2);
        }
        let none = with_context_prelude("x", None).unwrap();
        assert!(none.contains("b64decode(\"bnVsbA==\")"), "{none}");
    }

    #[test]
    fn context_line_follows_docstring_and_future_imports() {
        let line = |code: &str| with_context_prelude(code, None).unwrap();
        // Plain code: the line comes first.
        assert!(line("x = 1").starts_with("context = "));
        // Docstring and future imports stay first, in order.
        let c = line("\"\"\"doc\"\"\"\nfrom __future__ import annotations\nimport os\n");
        let lines: Vec<&str> = c.lines().collect();
        assert_eq!(lines[0], "\"\"\"doc\"\"\"");
        assert_eq!(lines[1], "from __future__ import annotations");
        assert!(lines[2].starts_with("context = "), "{c}");
        assert_eq!(lines[3], "import os");
        // A statement sharing the future import's line: joined with `; `, lines unchanged.
        let c = line("from __future__ import annotations; x = 1\nprint(x)");
        assert!(
            c.starts_with("from __future__ import annotations; context = "),
            "{c}"
        );
        assert!(c.ends_with("; x = 1\nprint(x)"), "{c}");
        assert_eq!(c.lines().count(), 2);
        // Only future imports, no trailing newline: the line is appended after one.
        let c = line("from __future__ import annotations");
        assert!(
            c.starts_with("from __future__ import annotations\ncontext = "),
            "{c}"
        );
        // A compound statement after the future import goes on its own line.
        let c = line("from __future__ import annotations\ndef f() -> X: pass");
        assert!(c.ends_with("))\ndef f() -> X: pass"), "{c}");
        // Relative `from .__future__` is an ordinary import: the line goes first.
        assert!(line("from .__future__ import x").starts_with("context = "));
        // Code that does not parse: first, CPython reports the error.
        assert!(line("from __future__ import (").starts_with("context = "));
    }

    #[test]
    fn lifetime_rounds_up_and_adds_margin() {
        let mut cfg = E2bConfig::new("k");
        cfg.lifetime_margin = Duration::from_secs(30);
        let b = E2bBackend::new(cfg).unwrap();
        let job = Job {
            code: String::new(),
            context: None,
            config: crate::sandbox::SandboxConfig {
                timeout: Duration::from_millis(1500),
                ..Default::default()
            },
        };
        assert_eq!(b.lifetime(&job), Duration::from_secs(32));
    }

    #[test]
    fn outcomes_map_to_termination() {
        let job = Job {
            code: String::new(),
            context: None,
            config: Default::default(),
        };
        let mut c = Collector::new(100);
        c.feed(b"{\"type\":\"error\",\"name\":\"MemoryError\",\"value\":\"\"}\n");
        let out = to_run_output(Ending::Ended, c, Duration::ZERO, &job);
        assert_eq!(out.termination, Some(Termination::Memory));
        assert_eq!(out.error_message.as_deref(), Some("MemoryError"));
        let out = to_run_output(Ending::Timeout, Collector::new(1), Duration::ZERO, &job);
        assert_eq!(out.termination, Some(Termination::Timeout));
        assert_eq!(out.exit_code, None);
        let out = to_run_output(Ending::Ended, Collector::new(1), Duration::ZERO, &job);
        assert_eq!(
            (out.termination, out.exit_code),
            (Some(Termination::Exited), Some(0))
        );
    }
}
