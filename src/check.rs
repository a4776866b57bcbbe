//! The static gate for one unit of code: source → parse → facts → verdict.
//!
//! This is what `pywarden check` runs per file (in parallel), what `/v1/analyze` answers and
//! what the executor asks before anything runs.

use serde::{Deserialize, Serialize};

use crate::policy::Violation;

/// Why a unit could not be checked (unreadable, unparsable, over a limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitError {
    /// `syntax-error`, `too-large`, `too-deep`, `nul-byte`, `encoding`, `io`, ...
    pub kind: String,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// The result of checking one unit — the `files[]` object of `check --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    pub path: String,
    pub allowed: bool,
    pub score: u8,
    pub violations: Vec<Violation>,
    pub error: Option<UnitError>,
}

/// The static gate, with its policy compiled once. Cheap to share across threads.
/// (Skeleton: implemented by the static-gate work, issue 2.)
pub struct Checker {
    _private: (),
}

impl Checker {
    /// Loads policies from `policy_dir` (or the embedded defaults when `None`) plus extra YAML
    /// data files, and compiles them once.
    pub fn new(
        _policy_dir: Option<&std::path::Path>,
        _data: &[std::path::PathBuf],
    ) -> anyhow::Result<Self> {
        todo!("issue 2: checker")
    }

    /// Checks one unit of source.
    pub fn check_unit(&self, _unit: &crate::source::SourceUnit) -> FileReport {
        todo!("issue 2: checker")
    }

    /// Checks a code string, allowing `extra_allowed_imports` beyond the policy's allowlist.
    pub fn check_code(&self, _code: &str, _extra_allowed_imports: &[String]) -> FileReport {
        todo!("issue 2: checker")
    }

    /// The policy's import allowlist (top-level modules), for the runtime import guard.
    pub fn allowed_imports(&self) -> Vec<String> {
        todo!("issue 2: checker")
    }
}
