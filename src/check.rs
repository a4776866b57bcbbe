//! The static gate for one unit of code: source → parse → facts → verdict.
//!
//! This is what `pywarden check` runs per file (in parallel), what `/v1/analyze` answers and
//! what the executor asks before anything runs. The policy is compiled once in
//! [`Checker::new`]; [`Checker::check_unit`] takes `&self` and is safe to call from many
//! threads.
//!
//! A unit that cannot be read or parsed is denied with [`FileReport::error`] set *and* a
//! located violation (rule = the error kind, e.g. `syntax-error`), so every output format,
//! SARIF included, shows where it failed.
//!
//! ```
//! use pywarden::check::Checker;
//! let checker = Checker::new(None, &[]).unwrap();
//! let report = checker.check_code("import pickle\n", &[]);
//! assert!(!report.allowed);
//! assert_eq!(report.violations[0].rule, "dangerous-module");
//! assert_eq!((report.violations[0].line, report.violations[0].column), (1, 8));
//! assert!(checker.check_code("print(sum(range(10)))\n", &[]).allowed);
//! // A syntax error is a denial with `error` set, never an "allowed because unparsable".
//! let broken = checker.check_code("def f(:\n", &[]);
//! assert_eq!(broken.error.unwrap().kind, "syntax-error");
//! ```

use serde::{Deserialize, Serialize};

use crate::parse::Limits;
use crate::policy::{PolicyEngine, RuleDoc, Severity, Violation};
use crate::source::SourceUnit;

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

impl FileReport {
    /// A denied report for a unit that could not be read or parsed: `error` set and one
    /// located violation whose rule is the error kind.
    pub fn from_error(path: &str, error: UnitError) -> Self {
        let (severity, family) = error_rule(&error.kind);
        let violation = Violation {
            rule: error.kind.clone(),
            severity,
            family: family.to_string(),
            message: error.message.clone(),
            line: error.line.unwrap_or(1).max(1),
            column: error.column.unwrap_or(1).max(1),
        };
        FileReport {
            path: path.to_string(),
            allowed: false,
            score: 100,
            violations: vec![violation],
            error: Some(error),
        }
    }
}

/// Severity and family of the violation that stands for a unit error of `kind`.
fn error_rule(kind: &str) -> (Severity, &'static str) {
    match kind {
        "encoding" => (Severity::Critical, "encoding-cookie"),
        "too-large" | "too-deep" => (Severity::High, "resource-bombs"),
        "nul-byte" => (Severity::High, "obfuscated-source"),
        "io" => (Severity::High, "input"),
        "policy-error" => (Severity::High, "policy"),
        _ => (Severity::High, "syntax"),
    }
}

/// Documentation of the rules that stand for unit errors (they are not Rego rules).
pub fn error_rule_docs() -> Vec<RuleDoc> {
    let doc = |id: &str, description: &str, why: &str, example: &str| RuleDoc {
        id: id.to_string(),
        description: description.to_string(),
        why: why.to_string(),
        example: example.to_string(),
        negative: String::new(),
        file: "(built in)".to_string(),
    };
    vec![
        doc(
            "syntax-error",
            "The unit is not valid Python 3 syntax.",
            "Code the gate cannot parse cannot be analysed, so it is refused.",
            "def f(:",
        ),
        doc(
            "too-large",
            "The unit exceeds the input-size cap.",
            "Multi-megabyte generated code is a resource attack on the gate or the runner.",
            "a 10 MB file",
        ),
        doc(
            "too-deep",
            "The unit nests expressions or blocks beyond the depth limit.",
            "Deep nesting crashes recursive tools (and CPython refuses it anyway).",
            "'[' * 50000",
        ),
        doc(
            "nul-byte",
            "The unit contains a NUL byte.",
            "Tools disagree about where such a file ends; CPython refuses it.",
            "x = 1\\0",
        ),
        doc(
            "encoding",
            "The unit is not valid UTF-8 or declares a non-UTF-8 source encoding.",
            "CPython would decode it differently from what was analysed.",
            "# -*- coding: utf-7 -*-",
        ),
        doc(
            "io",
            "The file could not be read.",
            "What cannot be read cannot be checked.",
            "a file without read permission",
        ),
        doc(
            "policy-error",
            "The policy failed to evaluate for this unit.",
            "Without a verdict the unit cannot be allowed.",
            "a policy rule that raises an error",
        ),
    ]
}

/// The static gate, with its policy compiled once. Cheap to share across threads.
#[derive(Debug)]
pub struct Checker {
    engine: PolicyEngine,
    limits: Limits,
    worker_stack: Option<usize>,
}

impl Checker {
    /// Loads policies from `policy_dir` (or the embedded defaults when `None`) plus extra YAML
    /// data files, and compiles them once.
    pub fn new(
        policy_dir: Option<&std::path::Path>,
        data: &[std::path::PathBuf],
    ) -> anyhow::Result<Self> {
        let engine = PolicyEngine::load(policy_dir, data)?;
        let limits = Limits {
            python_version: python_version(engine.data())?,
            ..Limits::default()
        };
        Ok(Self {
            engine,
            limits,
            worker_stack: None,
        })
    }

    /// Replaces the parse limits (input size, depth).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Promises that every `check_*` call runs on a thread with at least `bytes` of stack (a
    /// rayon pool built with that `stack_size`), so units small enough for it are parsed on
    /// the calling thread instead of a freshly spawned big-stack thread.
    pub fn with_worker_stack(mut self, bytes: usize) -> Self {
        self.worker_stack = Some(bytes);
        self
    }

    /// The parse limits in force, including the Python version whose grammar is checked.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The compiled policy.
    pub fn engine(&self) -> &PolicyEngine {
        &self.engine
    }

    /// Every rule's documentation: the policy's rules plus the unit-error rules.
    pub fn rule_docs(&self) -> Vec<RuleDoc> {
        let mut docs = self.engine.rules().to_vec();
        docs.extend(error_rule_docs());
        docs
    }

    /// Checks one unit of source.
    pub fn check_unit(&self, unit: &SourceUnit) -> FileReport {
        self.check_bytes(&unit.path, &unit.bytes, unit.line_offset, &[])
    }

    /// Checks a code string, allowing `extra_allowed_imports` beyond the policy's allowlist.
    pub fn check_code(&self, code: &str, extra_allowed_imports: &[String]) -> FileReport {
        self.check_bytes("<code>", code.as_bytes(), 0, extra_allowed_imports)
    }

    /// The policy's import allowlist (top-level modules), for the runtime import guard.
    pub fn allowed_imports(&self) -> Vec<String> {
        self.engine.allowed_imports()
    }

    fn check_bytes(
        &self,
        path: &str,
        bytes: &[u8],
        line_offset: u32,
        extra_allowed_imports: &[String],
    ) -> FileReport {
        let on_this_thread = self.worker_stack.is_some_and(|stack| {
            bytes.len() <= self.limits.max_bytes
                && crate::parse::stack_size_for(bytes.len()) <= stack
        });
        let facts = if on_this_thread {
            crate::facts::extract_on_current_thread(bytes, &self.limits)
        } else {
            crate::facts::extract(bytes, &self.limits)
        };
        let mut report = match facts {
            Err(e) => FileReport::from_error(
                path,
                UnitError {
                    kind: e.kind,
                    message: e.message,
                    line: Some(e.line.max(1)),
                    column: Some(e.column.max(1)),
                },
            ),
            Ok(facts) => match self.engine.evaluate(&facts, extra_allowed_imports) {
                Ok(verdict) => FileReport {
                    path: path.to_string(),
                    allowed: verdict.allowed,
                    score: verdict.score,
                    violations: verdict.violations,
                    error: None,
                },
                Err(e) => FileReport::from_error(
                    path,
                    UnitError {
                        kind: "policy-error".to_string(),
                        message: format!("{e:#}"),
                        line: None,
                        column: None,
                    },
                ),
            },
        };
        if line_offset > 0 {
            for v in &mut report.violations {
                v.line += line_offset;
            }
            if let Some(err) = &mut report.error {
                err.line = err.line.map(|l| l + line_offset);
            }
        }
        report
    }
}

/// The Python version whose grammar the gate parses: `gate.python_version` of the policy data
/// (a `"3.N"` string), or the default (3.11, the interpreter pywarden runs) when absent.
fn python_version(data: &serde_json::Value) -> anyhow::Result<ruff_python_ast::PythonVersion> {
    let Some(v) = data.pointer("/gate/python_version") else {
        return Ok(Limits::default().python_version);
    };
    let text = v.as_str().ok_or_else(|| {
        anyhow::anyhow!("gate.python_version must be a quoted string like \"3.11\", not {v}")
    })?;
    let version: ruff_python_ast::PythonVersion = text
        .parse()
        .map_err(|e| anyhow::anyhow!("gate.python_version {text:?}: {e}"))?;
    if version.major != 3 || !(7..=14).contains(&version.minor) {
        anyhow::bail!("gate.python_version {text:?}: supported versions are 3.7 to 3.14");
    }
    Ok(version)
}

/// The report of an input that exists but could not be read.
pub fn unreadable(path: &str, message: &str) -> FileReport {
    FileReport::from_error(
        path,
        UnitError {
            kind: "io".to_string(),
            message: message.to_string(),
            line: None,
            column: None,
        },
    )
}
