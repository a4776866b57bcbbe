//! Policy stage: evaluates the Rego policies in `policies/` (with `regorus`) over a facts
//! document and YAML data (allowlists, thresholds, weights) into a [`Verdict`].
//!
//! The policy is compiled once per process ([`PolicyEngine::load`]) and evaluated per unit.

use serde::{Deserialize, Serialize};

/// How bad a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// One located policy finding, as produced by a `deny`/`warn` rule of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Stable rule id, e.g. `dunder-escape`.
    pub rule: String,
    pub severity: Severity,
    /// Escape family, e.g. `introspection`, `imports`, `dynamic-code`, `resources`.
    pub family: String,
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

/// The policy's decision for one unit of code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Verdict {
    pub allowed: bool,
    /// 0 (no risk) to 100.
    pub score: u8,
    pub violations: Vec<Violation>,
}
