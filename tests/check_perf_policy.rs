//! The policy was rewritten for speed on regorus's VM (rules read `data.gate` directly instead
//! of through the `cfg` rule, imports are tested against a set built once instead of calling
//! `allowed_module` per import, `sys-modules` walks its short data table instead of every
//! attribute name). The rewrite must not change a single verdict: the policy as it was before,
//! kept in `tests/data/policy_before_perf/`, and the embedded policy are evaluated on every
//! case of `corpus/` and every non-test module of the CPython standard library (when present),
//! with and without extra allowed imports and with custom data, and must agree field by field.
//!
//! Also: `pywarden check` schedules files largest first but must still report them in
//! discovery order.

mod policy_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use policy_support::{corpus, stdlib};
use pywarden::policy::PolicyEngine;

fn before(data: &[PathBuf]) -> PolicyEngine {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/policy_before_perf");
    PolicyEngine::load(Some(&dir), data).unwrap()
}

/// Evaluates `files` with both engines; returns (units compared, violations seen).
fn compare(
    old: &PolicyEngine,
    new: &PolicyEngine,
    files: &[PathBuf],
    extra: &[String],
) -> (usize, usize) {
    policy_support::compare(
        files,
        extra,
        "the policy rewrite changed the verdict",
        |v| old.evaluate_value(v).unwrap(),
        |v| new.evaluate_value(v).unwrap(),
    )
}

#[test]
fn rewritten_policy_gives_the_same_verdicts_on_the_corpus() {
    let (old, new) = (before(&[]), PolicyEngine::load(None, &[]).unwrap());
    let files = corpus();
    let (units, violations) = compare(&old, &new, &files, &[]);
    assert!(
        units >= 200 && violations >= 100,
        "{units} units, {violations} violations"
    );
    // Extra allowed imports (`input.options.allow_imports`) change import verdicts.
    let extra = vec![
        "os".to_string(),
        "pickle".to_string(),
        "requests".to_string(),
    ];
    compare(&old, &new, &files, &extra);
}

#[test]
fn rewritten_policy_gives_the_same_verdicts_with_custom_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("custom.yaml");
    std::fs::write(
        &data,
        "gate:\n  disabled_rules: [dangerous-module, shadowed-builtin]\n  imports:\n    extra_allow: [requests, sys]\n  weights: {high: 10}\n  sys_internals: {path: the import path}\n",
    )
    .unwrap();
    let data = [data];
    let (old, new) = (before(&data), PolicyEngine::load(None, &data).unwrap());
    let (_, violations) = compare(&old, &new, &corpus(), &[]);
    assert!(violations >= 50, "{violations} violations");
}

#[test]
fn rewritten_policy_gives_the_same_verdicts_on_the_stdlib() {
    let files = stdlib();
    if files.is_empty() {
        eprintln!("no CPython standard library found; skipped");
        return;
    }
    let (old, new) = (before(&[]), PolicyEngine::load(None, &[]).unwrap());
    let (units, violations) = compare(&old, &new, &files, &[]);
    assert!(
        units >= 100 && violations >= 1000,
        "{units} units, {violations} violations"
    );
}

#[test]
fn check_reports_in_discovery_order_although_it_schedules_largest_first() {
    let dir = tempfile::tempdir().unwrap();
    // Sizes deliberately out of name order, so largest-first differs from discovery order.
    for (name, lines) in [
        ("a.py", 3),
        ("b.py", 400),
        ("c.py", 1),
        ("d.py", 150),
        ("e.py", 40),
    ] {
        let body: String = (0..lines).map(|i| format!("x{i} = {i}\n")).collect();
        std::fs::write(dir.path().join(name), format!("import os\n{body}")).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["check", "--format", "json", "--threads", "2"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "every file imports os");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<String> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = f["path"].as_str().unwrap();
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["a.py", "b.py", "c.py", "d.py", "e.py"]);
    for f in doc["files"].as_array().unwrap() {
        assert_eq!(f["violations"][0]["rule"], "dangerous-module", "{f}");
    }
}
