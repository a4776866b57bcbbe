//! Run stage: executes code that passed the gate in a sandbox backend.
//!
//! Backends implement [`Backend`]: `local` (fresh scratch dir, Landlock, seccomp, rlimits,
//! wall-clock kill of the whole process group) and `e2b` (hosted Firecracker microVMs).
//! A backend reports what happened as a [`RunOutput`]; redaction and verdicts are the
//! executor's business, not the backend's.

pub mod e2b;
pub mod local;

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

/// Resource limits and runtime guards for one execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxConfig {
    /// Wall-clock limit (the CPU limit is derived from it).
    pub timeout: Duration,
    /// Address-space limit in MiB.
    pub max_memory_mb: u64,
    /// Cap on stdout + stderr bytes; the run is killed and flagged `truncated` past it.
    pub max_output_bytes: usize,
    /// Top-level modules user code may import (runtime guard, second to the static gate).
    pub allowed_imports: Vec<String>,
    /// Run even when the kernel cannot enforce the whole sandbox (explicit opt-in only).
    pub allow_weaker_sandbox: bool,
    /// Install the runner's in-interpreter guards (import hook, restricted builtins, audit
    /// hook) as a second layer. Default true; off only to test the kernel layers alone.
    #[serde(default = "default_true")]
    pub runtime_guards: bool,
}

fn default_true() -> bool {
    true
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_memory_mb: 256,
            max_output_bytes: 500_000,
            allowed_imports: Vec::new(),
            allow_weaker_sandbox: false,
            runtime_guards: true,
        }
    }
}

/// How a run ended (ExecutionResult `termination`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// The interpreter exited by itself (successfully or with an exception).
    Exited,
    /// Wall-clock or CPU-time limit.
    Timeout,
    /// Address-space limit hit (including a `MemoryError` raised by it).
    Memory,
    /// Output cap exceeded.
    OutputLimit,
    /// Killed by a signal not caused by a limit.
    Signal,
    /// Refused by the static gate: nothing ran.
    Denied,
    /// The code did not parse: nothing ran.
    SyntaxError,
    /// The sandbox could not be set up: nothing ran.
    SandboxError,
}

/// One job for a backend.
#[derive(Debug, Clone)]
pub struct Job {
    pub code: String,
    /// Bound to the name `context` inside the code (passed as data, never pasted into source).
    pub context: Option<serde_json::Value>,
    pub config: SandboxConfig,
}

/// What a backend observed (before redaction).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunOutput {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: Option<i32>,
    pub termination: Option<Termination>,
    pub truncated: bool,
    /// `ExceptionType: message` for failures.
    pub error_message: Option<String>,
    pub execution_time_seconds: f64,
    pub cpu_time_seconds: f64,
    pub max_rss_kb: u64,
}

/// A backend could not run the job at all (not a code outcome).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The sandbox cannot be enforced here (and no weaker sandbox was accepted).
    #[error("sandbox unavailable: {0}")]
    Unavailable(String),
    /// Bad configuration (missing API key, bad interpreter path, ...).
    #[error("sandbox configuration: {0}")]
    Config(String),
    /// The remote service failed.
    #[error("remote sandbox: {0}")]
    Remote(String),
    #[error("sandbox I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// One gauge a backend exports: Prometheus name, help text, value.
pub type Gauge = (&'static str, &'static str, f64);

/// A place to run code.
pub trait Backend: Send + Sync {
    /// `local` or `e2b`.
    fn name(&self) -> &'static str;

    /// One line for health output: which sandbox, as configured and as it is now (the local
    /// backend names its interpreter, uid, Landlock status and whether its fork server is up).
    fn describe(&self) -> String {
        self.name().to_string()
    }

    /// The backend's own gauges for `/metrics`: `(name, help, value)` (the local backend's
    /// fork server: whether it is up, how many were started).
    fn gauges(&self) -> Vec<Gauge> {
        Vec::new()
    }
    /// Runs one job to completion (or limit).
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<RunOutput, SandboxError>>;

    /// Whether [`Backend::run_blocking`] is native (a blocking backend, not a driven future).
    fn blocks_natively(&self) -> bool {
        false
    }

    /// Runs one job on the calling thread. The default drives [`Backend::run`] on a private
    /// single-threaded runtime (on a helper thread when called from inside a runtime);
    /// backends that are blocking by nature (local) override it to skip that.
    fn run_blocking(&self, job: &Job) -> Result<RunOutput, SandboxError> {
        let drive = || -> Result<RunOutput, SandboxError> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(self.run(job))
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                s.spawn(drive)
                    .join()
                    .unwrap_or_else(|_| Err(SandboxError::Remote("backend thread panicked".into())))
            })
        } else {
            drive()
        }
    }
}
