//! SARIF 2.1.0 for GitHub code scanning: one run, the tool's rules (with help text taken from
//! the policy's METADATA blocks), one result per violation with a physical location
//! (repository-relative URI, 1-based line and column) and a level derived from severity
//! (`critical`/`high` → `error`, `medium` → `warning`, `low` → `note`).
//! `security-severity` properties let GitHub rank the alerts.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::check::FileReport;
use crate::policy::{RuleDoc, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// Percent-encodes what may not appear raw in a URI path.
fn uri_of(path: &str) -> String {
    let path = if path == "-" { "stdin" } else { path };
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'+'
            | b'@'
            | b'=' => out.push(b as char),
            b'\\' => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The SARIF log for `files`.
pub fn sarif_document(files: &[FileReport], rules: &[RuleDoc]) -> Value {
    let docs: BTreeMap<&str, &RuleDoc> = rules.iter().map(|r| (r.id.as_str(), r)).collect();
    // Rules that occur, with the worst severity seen (the default level shown by GitHub).
    let mut used: BTreeMap<&str, (Severity, &str)> = BTreeMap::new();
    for f in files {
        for v in &f.violations {
            let entry = used
                .entry(v.rule.as_str())
                .or_insert((v.severity, v.family.as_str()));
            entry.0 = entry.0.max(v.severity);
        }
    }
    // Every documented rule is listed, plus undocumented ones that occurred.
    let mut ids: Vec<&str> = docs.keys().copied().collect();
    ids.extend(used.keys().copied().filter(|id| !docs.contains_key(id)));
    ids.sort();
    ids.dedup();
    let index: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules_json: Vec<Value> = ids
        .iter()
        .map(|id| {
            let (sev, family) = used.get(id).copied().unwrap_or((Severity::High, ""));
            let mut rule = json!({
                "id": id,
                "name": id,
                "defaultConfiguration": {"level": level(sev)},
                "properties": {
                    "tags": ["security", family],
                    "security-severity": security_severity(sev),
                },
            });
            if let Some(d) = docs.get(id) {
                rule["shortDescription"] = json!({"text": d.description});
                rule["fullDescription"] = json!({"text": format!("{} {}", d.description, d.why)});
                let mut md = format!("{}\n\n**Why?** {}\n", d.description, d.why);
                let mut text = format!("{}\nWhy: {}\n", d.description, d.why);
                if !d.example.is_empty() {
                    md.push_str(&format!("\n**Example**\n\n```python\n{}\n```\n", d.example));
                    text.push_str(&format!("Example: {}\n", d.example));
                }
                if !d.negative.is_empty() {
                    md.push_str(&format!(
                        "\n**Allowed**\n\n```python\n{}\n```\n",
                        d.negative
                    ));
                    text.push_str(&format!("Allowed: {}\n", d.negative));
                }
                rule["help"] = json!({"text": text, "markdown": md});
            } else {
                rule["shortDescription"] = json!({"text": format!("pywarden rule {id}")});
                rule["help"] = json!({"text": format!("pywarden rule {id}")});
            }
            if let Some(tags) = rule["properties"]["tags"].as_array_mut() {
                tags.retain(|t| t != "");
            }
            rule
        })
        .collect();
    let mut results = Vec::new();
    let mut artifacts: Vec<String> = Vec::new();
    for f in files {
        let uri = uri_of(&f.path);
        if !artifacts.contains(&uri) {
            artifacts.push(uri.clone());
        }
        for v in &f.violations {
            results.push(json!({
                "ruleId": v.rule,
                "ruleIndex": index[v.rule.as_str()],
                "level": level(v.severity),
                "message": {"text": v.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": v.line.max(1), "startColumn": v.column.max(1)},
                    }
                }],
                "properties": {"severity": v.severity.as_str(), "family": v.family},
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pywarden",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules_json,
            }},
            "artifacts": artifacts.iter().map(|u| json!({"location": {"uri": u}})).collect::<Vec<_>>(),
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encoding() {
        assert_eq!(uri_of("src/a b.py"), "src/a%20b.py");
        assert_eq!(uri_of("-"), "stdin");
        assert_eq!(uri_of("dir\\x.py"), "dir/x.py");
    }
}
