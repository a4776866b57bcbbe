//! The pipeline end to end: [`CodeExecutor`] mirrors the Python original's
//! `CodeExecutor(user_id).execute(code, context) -> ExecutionResult`:
//! syntax → facts → policy → sandbox → redaction. Denied code never runs.
//!
//! The expensive parts (compiled policy, redaction engine, sandbox backend) live in a shared
//! [`Pipeline`] built once per process; a [`CodeExecutor`] is a cheap per-user handle with its
//! own [`SandboxConfig`] and switches. Code outcomes — success, exceptions, timeouts, memory,
//! output caps, gate denials, syntax errors, an unavailable sandbox — are all an
//! [`ExecutionResult`] with a distinct `termination`; only what is not a code outcome (bad
//! configuration) is an [`ExecutorError`].
//!
//! ```
//! use pywarden::executor::CodeExecutor;
//! let exec = CodeExecutor::new("alice").unwrap().timeout(std::time::Duration::from_secs(2));
//! let r = exec.execute("print(context['n'] + 1)", Some(serde_json::json!({"n": 41}))).unwrap();
//! assert!(r.success);
//! assert_eq!(r.stdout, "42\n");
//!
//! // Denied code never runs: the verdict says why.
//! let denied = exec.execute("import os\nos.system('id')", None).unwrap();
//! assert_eq!(denied.termination, pywarden::sandbox::Termination::Denied);
//! assert_eq!(denied.verdict.violations[0].rule, "dangerous-module");
//! ```

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::check::{Checker, FileReport};
use crate::policy::Verdict;
use crate::redact::{RedactionCount, Redactor};
use crate::sandbox::local::{LocalBackend, LocalOptions};
use crate::sandbox::{Backend, Job, RunOutput, SandboxConfig, SandboxError, Termination};

/// The outcome of one gated execution (the contract's ExecutionResult).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionResult {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
    pub error_message: Option<String>,
    pub exit_code: Option<i32>,
    pub termination: Termination,
    pub truncated: bool,
    pub execution_time_seconds: f64,
    pub cpu_time_seconds: f64,
    pub max_rss_kb: u64,
    pub verdict: Verdict,
    pub redactions: Vec<RedactionCount>,
    /// `local` or `e2b`.
    pub backend: String,
}

/// What is not a code outcome: bad configuration, sandbox unavailable, policy load failure.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::SandboxError),
}

/// The shared, expensive parts of the pipeline (compiled policy, redaction engine, backend),
/// built once per process and shared by every [`CodeExecutor`].
#[derive(Clone)]
pub struct Pipeline {
    pub checker: Arc<Checker>,
    pub redactor: Arc<Redactor>,
    pub backend: Arc<dyn Backend>,
}

impl Pipeline {
    /// The default pipeline: embedded policies, built-in detectors and the local backend
    /// configured from the environment ([`LocalOptions::from_env`]).
    pub fn local_default() -> Result<Self, ExecutorError> {
        Self::with_backend(Arc::new(LocalBackend::new(LocalOptions::from_env())?))
    }

    /// Embedded policies and built-in detectors over `backend`.
    pub fn with_backend(backend: Arc<dyn Backend>) -> Result<Self, ExecutorError> {
        let checker =
            Checker::new(None, &[]).map_err(|e| ExecutorError::Config(format!("policy: {e:#}")))?;
        let redactor =
            Redactor::builtin().map_err(|e| ExecutorError::Config(format!("redaction: {e:#}")))?;
        Ok(Self {
            checker: Arc::new(checker),
            redactor: Arc::new(redactor),
            backend,
        })
    }
}

/// Gated execution for one user (mirrors the Python original).
pub struct CodeExecutor {
    pub user_id: String,
    pub config: SandboxConfig,
    /// Run the static gate first (default true). Off: the sandbox alone holds.
    pub enable_analysis: bool,
    /// Redact stdout/stderr (default true).
    pub redact_output: bool,
    pipeline: Pipeline,
}

/// What the gate decided before anything runs.
enum Gate {
    /// Run this job; the verdict goes into the result.
    Run(Box<Job>, Verdict),
    /// Nothing runs: the result is final.
    Stop(Box<ExecutionResult>),
}

impl CodeExecutor {
    /// An executor over the default pipeline ([`Pipeline::local_default`]). Build the
    /// pipeline once and use [`CodeExecutor::with_pipeline`] when serving many users.
    pub fn new(user_id: impl Into<String>) -> Result<Self, ExecutorError> {
        Ok(Self::with_pipeline(user_id, Pipeline::local_default()?))
    }

    /// An executor over an existing pipeline with default settings.
    pub fn with_pipeline(user_id: impl Into<String>, pipeline: Pipeline) -> Self {
        Self {
            user_id: user_id.into(),
            config: SandboxConfig::default(),
            enable_analysis: true,
            redact_output: true,
            pipeline,
        }
    }

    /// Replaces the whole sandbox configuration.
    pub fn with_config(mut self, config: SandboxConfig) -> Self {
        self.config = config;
        self
    }

    /// Wall-clock limit (the CPU-time limit is derived from it).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Address-space limit in MiB.
    pub fn max_memory_mb(mut self, mb: u64) -> Self {
        self.config.max_memory_mb = mb;
        self
    }

    /// Cap on stdout + stderr bytes.
    pub fn max_output_bytes(mut self, bytes: usize) -> Self {
        self.config.max_output_bytes = bytes;
        self
    }

    /// Allows one more top-level module beyond the policy's allowlist.
    pub fn allow_import(mut self, module: impl Into<String>) -> Self {
        self.config.allowed_imports.push(module.into());
        self
    }

    /// Switches the static gate on or off.
    pub fn analysis(mut self, on: bool) -> Self {
        self.enable_analysis = on;
        self
    }

    /// Switches output redaction on or off.
    pub fn redaction(mut self, on: bool) -> Self {
        self.redact_output = on;
        self
    }

    /// Accepts running when the kernel cannot enforce the full sandbox (explicit opt-in).
    pub fn allow_weaker_sandbox(mut self, yes: bool) -> Self {
        self.config.allow_weaker_sandbox = yes;
        self
    }

    /// The backend's name (`local`, `e2b`).
    pub fn backend_name(&self) -> &'static str {
        self.pipeline.backend.name()
    }

    /// Runs `code` through the whole pipeline on the calling thread.
    pub fn execute(
        &self,
        code: &str,
        context: Option<serde_json::Value>,
    ) -> Result<ExecutionResult, ExecutorError> {
        match self.gate(code, context)? {
            Gate::Stop(r) => Ok(*r),
            Gate::Run(job, verdict) => {
                let out = self.pipeline.backend.run_blocking(&job);
                self.finish(out, verdict)
            }
        }
    }

    /// Runs `code` through the whole pipeline.
    pub async fn execute_async(
        &self,
        code: &str,
        context: Option<serde_json::Value>,
    ) -> Result<ExecutionResult, ExecutorError> {
        match self.gate(code, context)? {
            Gate::Stop(r) => Ok(*r),
            Gate::Run(job, verdict) => {
                let out = self.pipeline.backend.run(&job).await;
                self.finish(out, verdict)
            }
        }
    }

    fn empty_result(&self, termination: Termination, verdict: Verdict) -> ExecutionResult {
        ExecutionResult {
            success: false,
            stdout: String::new(),
            stderr: String::new(),
            error_message: None,
            exit_code: None,
            termination,
            truncated: false,
            execution_time_seconds: 0.0,
            cpu_time_seconds: 0.0,
            max_rss_kb: 0,
            verdict,
            redactions: Vec::new(),
            backend: self.pipeline.backend.name().to_string(),
        }
    }

    /// Syntax → facts → policy. Denied or unparsable code stops here.
    fn gate(&self, code: &str, context: Option<serde_json::Value>) -> Result<Gate, ExecutorError> {
        let mut config = self.config.clone();
        let mut verdict = Verdict {
            allowed: true,
            score: 0,
            violations: Vec::new(),
        };
        if self.enable_analysis {
            let report: FileReport = self
                .pipeline
                .checker
                .check_code(code, &self.config.allowed_imports);
            verdict = Verdict {
                allowed: report.allowed,
                score: report.score,
                violations: report.violations.clone(),
            };
            if let Some(err) = &report.error {
                let syntax = err.kind == "syntax-error";
                let term = if syntax {
                    Termination::SyntaxError
                } else {
                    Termination::Denied
                };
                let mut r = self.empty_result(
                    term,
                    Verdict {
                        allowed: false,
                        ..verdict
                    },
                );
                let at = match (err.line, err.column) {
                    (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
                    (Some(l), None) => format!(" (line {l})"),
                    _ => String::new(),
                };
                r.error_message = Some(if syntax {
                    format!("SyntaxError: {}{at}", err.message)
                } else {
                    format!("Denied: {}: {}{at}", err.kind, err.message)
                });
                return Ok(Gate::Stop(Box::new(r)));
            }
            if !report.allowed {
                let mut rules: Vec<&str> =
                    report.violations.iter().map(|v| v.rule.as_str()).collect();
                rules.dedup();
                let mut r = self.empty_result(Termination::Denied, verdict);
                r.error_message = Some(format!("Denied by policy: {}", rules.join(", ")));
                return Ok(Gate::Stop(Box::new(r)));
            }
        }
        // The runtime import guard allows the policy's allowlist plus the extra modules, with
        // or without the static gate.
        let mut allowed = self.pipeline.checker.allowed_imports();
        allowed.extend(self.config.allowed_imports.iter().cloned());
        allowed.sort();
        allowed.dedup();
        config.allowed_imports = allowed;
        Ok(Gate::Run(
            Box::new(Job {
                code: code.to_string(),
                context,
                config,
            }),
            verdict,
        ))
    }

    /// Sandbox outcome → redacted [`ExecutionResult`].
    fn finish(
        &self,
        out: Result<RunOutput, SandboxError>,
        verdict: Verdict,
    ) -> Result<ExecutionResult, ExecutorError> {
        let out = match out {
            Ok(o) => o,
            Err(SandboxError::Config(e)) => return Err(ExecutorError::Config(e)),
            Err(e) => {
                let mut r = self.empty_result(Termination::SandboxError, verdict);
                r.error_message = Some(format!("SandboxError: {e}"));
                return Ok(r);
            }
        };
        let termination = out.termination.unwrap_or(Termination::Exited);
        let mut r = ExecutionResult {
            success: termination == Termination::Exited
                && out.exit_code == Some(0)
                && out.error_message.is_none(),
            stdout: out.stdout,
            stderr: out.stderr,
            error_message: out.error_message,
            exit_code: out.exit_code,
            termination,
            truncated: out.truncated,
            execution_time_seconds: out.execution_time_seconds,
            cpu_time_seconds: out.cpu_time_seconds,
            max_rss_kb: out.max_rss_kb,
            verdict,
            redactions: Vec::new(),
            backend: self.pipeline.backend.name().to_string(),
        };
        if self.redact_output {
            let redactor = &self.pipeline.redactor;
            let mut findings = Vec::new();
            for text in [&mut r.stdout, &mut r.stderr] {
                let red = redactor.redact(text);
                *text = red.text;
                findings.extend(red.findings);
            }
            if let Some(msg) = &mut r.error_message {
                let red = redactor.redact(msg);
                *msg = red.text;
                findings.extend(red.findings);
            }
            r.redactions = crate::redact::count_by_rule(&findings);
        }
        Ok(r)
    }
}
