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
