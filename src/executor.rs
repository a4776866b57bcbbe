//! The pipeline end to end: [`CodeExecutor`] mirrors the Python original's
//! `CodeExecutor(user_id).execute(code, context) -> ExecutionResult`:
//! syntax → facts → policy → sandbox → redaction. Denied code never runs.

use serde::{Deserialize, Serialize};

use crate::policy::Verdict;
use crate::redact::RedactionCount;
use crate::sandbox::Termination;

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

use std::sync::Arc;

use crate::check::Checker;
use crate::redact::Redactor;
use crate::sandbox::{Backend, SandboxConfig};

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

/// Gated execution for one user (mirrors the Python original).
/// (Skeleton: implemented by the sandbox work, issue 4.)
pub struct CodeExecutor {
    pub user_id: String,
    pub config: SandboxConfig,
    /// Run the static gate first (default true). Off: the sandbox alone holds.
    pub enable_analysis: bool,
    /// Redact stdout/stderr (default true).
    pub redact_output: bool,
    pipeline: Pipeline,
}

impl CodeExecutor {
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

    /// Runs `code` through the whole pipeline.
    pub async fn execute_async(
        &self,
        _code: &str,
        _context: Option<serde_json::Value>,
    ) -> Result<ExecutionResult, ExecutorError> {
        let _ = &self.pipeline;
        todo!("issue 4: executor")
    }
}
