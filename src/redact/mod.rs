//! Redaction stage: finds secrets and personal data in text and replaces each with
//! `[REDACTED:<rule-id>]`. Detectors are data (`policies/redaction.yaml`); an `aho-corasick`
//! keyword prefilter finds candidate windows, `regex` confirms, validators (checksums, entropy,
//! Luhn, mod-97) reject look-alikes. Used on execution output and by `pywarden redact`.

use serde::{Deserialize, Serialize};

/// One detected secret or identifier. Never carries the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Detector id, e.g. `aws-access-key-id`.
    pub rule: String,
    /// Byte span in the input text.
    pub start: usize,
    pub end: usize,
    /// 1-based line and column of `start`.
    pub line: u32,
    pub column: u32,
    /// A safe preview (e.g. `AKIA…[20 chars]`), never the secret.
    pub preview: String,
}

/// How many findings of one detector were redacted (ExecutionResult `redactions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionCount {
    pub rule: String,
    pub count: u64,
}

/// Redacted text and what was found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Redacted {
    pub text: String,
    pub findings: Vec<Finding>,
}

/// The redaction engine, compiled once from detector definitions. Cheap to share.
/// (Skeleton: implemented by the redaction work, issue 3.)
pub struct Redactor {
    _private: (),
}

impl Redactor {
    /// The built-in detectors (`policies/redaction.yaml`, embedded in the binary).
    pub fn builtin() -> anyhow::Result<Self> {
        todo!("issue 3: redactor")
    }

    /// Redacts `text`, replacing each finding with `[REDACTED:<rule-id>]`.
    pub fn redact(&self, _text: &str) -> Redacted {
        todo!("issue 3: redactor")
    }
}

/// Counts findings per rule (sorted by rule id).
pub fn count_by_rule(findings: &[Finding]) -> Vec<RedactionCount> {
    let mut map = std::collections::BTreeMap::<&str, u64>::new();
    for f in findings {
        *map.entry(f.rule.as_str()).or_default() += 1;
    }
    map.into_iter()
        .map(|(rule, count)| RedactionCount {
            rule: rule.to_string(),
            count,
        })
        .collect()
}
