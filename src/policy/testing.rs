//! `pywarden policy test`: runs every `test_*` rule of the policy set's `*_test.rego` files,
//! like `opa test`. A test passes when its rule evaluates to `true`; `false`, undefined or an
//! evaluation error is a failure.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::{PolicySet, build_engine, is_test_module};

/// The outcome of one test rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOutcome {
    Pass,
    /// Evaluated to false or undefined.
    Fail,
    /// Evaluation error (message).
    Error(String),
}

/// One test rule's result.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// `data.<package>.<rule>`.
    pub path: String,
    /// File that defines it.
    pub file: String,
    pub outcome: TestOutcome,
    pub duration: Duration,
}

/// Runs every `test_*` rule of every `*_test.rego` module in `set`, with the set's data merged
/// with `data` files.
pub fn run_tests(set: &PolicySet, data: &[PathBuf]) -> Result<Vec<TestResult>> {
    let merged = set.merged_data(data)?;
    let engine = build_engine(set, &merged, true)?;
    let mut results = Vec::new();
    for (file, text) in &set.modules {
        if !is_test_module(file) {
            continue;
        }
        let Some(package) = package_of(text) else {
            continue;
        };
        let mut seen = std::collections::BTreeSet::new();
        for name in test_rules(text) {
            if !seen.insert(name.clone()) {
                continue;
            }
            let path = format!("data.{package}.{name}");
            let mut e = engine.clone();
            let start = Instant::now();
            let outcome = match e.eval_rule(path.clone()) {
                Ok(regorus::Value::Bool(true)) => TestOutcome::Pass,
                Ok(_) => TestOutcome::Fail,
                Err(err) => TestOutcome::Error(err.to_string()),
            };
            results.push(TestResult {
                path,
                file: file.clone(),
                outcome,
                duration: start.elapsed(),
            });
        }
    }
    Ok(results)
}

fn package_of(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("package "))
        .map(|p| p.trim().to_string())
}

/// Names of rules that start a line with `test_`.
fn test_rules(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("test_"))
        .map(|l| {
            l.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_package_and_tests() {
        let src = "package a.b_test\n\ntest_one if { true }\n\ttest_not_top if { true }\ntest_two := true\n";
        assert_eq!(package_of(src).as_deref(), Some("a.b_test"));
        assert_eq!(test_rules(src), vec!["test_one", "test_two"]);
    }
}
