//! `pywarden policy test` and the policy engine's loading rules: the default policy's tests
//! pass, failures are reported with exit 1, broken policies with exit 2, every rule is
//! documented and has positive and negative tests, `--data` deep-merges, and evaluation is
//! safe from many threads.

use std::path::{Path, PathBuf};
use std::process::Command;

use pywarden::policy::{PolicyEngine, PolicySet, deep_merge};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pywarden"))
}

fn policies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")
}

fn test_rule_count() -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(policies()).unwrap() {
        let p = e.unwrap().path();
        if p.to_string_lossy().ends_with("_test.rego") {
            let text = std::fs::read_to_string(&p).unwrap();
            n += text.lines().filter(|l| l.starts_with("test_")).count();
        }
    }
    n
}

#[test]
fn default_policy_tests_pass() {
    let out = bin().args(["policy", "test"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let passes = stdout.lines().filter(|l| l.contains(": PASS (")).count();
    assert_eq!(passes, test_rule_count(), "{stdout}");
    assert!(stdout.contains(&format!("PASS: {passes}/{passes}")));
}

#[test]
fn policy_dir_on_disk_matches_embedded() {
    let out = bin()
        .args(["policy", "test", "--quiet", "--policy-dir"])
        .arg(policies())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The embedded copy is the directory's content.
    let embedded = PolicySet::embedded();
    let disk = PolicySet::from_dir(&policies()).unwrap();
    assert_eq!(embedded.modules, disk.modules);
    assert_eq!(embedded.data, disk.data);
}

#[test]
fn failing_test_exits_1_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.rego"),
        "package demo\n\ndeny contains \"x\" if input.bad\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p_test.rego"),
        "package demo_test\n\ntest_ok if { \"x\" in data.demo.deny with input as {\"bad\": true} }\n\ntest_wrong if { \"x\" in data.demo.deny with input as {\"bad\": false} }\n",
    )
    .unwrap();
    let out = bin()
        .args(["policy", "test", "--policy-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("data.demo_test.test_ok: PASS"), "{stdout}");
    assert!(
        stdout.contains("data.demo_test.test_wrong: FAIL"),
        "{stdout}"
    );
    assert!(stdout.contains("FAIL: 1/2"), "{stdout}");
}

#[test]
fn broken_policy_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.rego"),
        "package demo\n\ndeny contains if {\n",
    )
    .unwrap();
    let out = bin()
        .args(["policy", "test", "--policy-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("p.rego"));
    let empty = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["check", "--policy-dir"])
        .arg(empty.path())
        .arg("-")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Every rule of the default policy is documented (METADATA) and has a positive test
/// (`"rule" in denied(...)`/`warned(...)`) and a negative one (`not "rule" in ...`).
#[test]
fn every_rule_is_documented_and_tested_both_ways() {
    let engine = PolicyEngine::load(None, &[]).unwrap();
    let tests: String = PolicySet::embedded()
        .modules
        .iter()
        .filter(|(n, _)| n.ends_with("_test.rego"))
        .map(|(_, t)| t.as_str())
        .collect();
    let configured = engine.data()["gate"]["rules"].as_object().unwrap().clone();
    let documented: Vec<&str> = engine.rules().iter().map(|r| r.id.as_str()).collect();
    for id in configured.keys() {
        assert!(documented.contains(&id.as_str()), "{id} has no METADATA");
    }
    for doc in engine.rules() {
        assert!(
            configured.contains_key(&doc.id),
            "{} not in gate.yaml",
            doc.id
        );
        assert!(!doc.description.is_empty() && !doc.why.is_empty() && !doc.example.is_empty());
        let q = format!("\"{}\" in ", doc.id);
        let positive = tests
            .lines()
            .any(|l| l.contains(&q) && !l.contains(&format!("not {q}")));
        let negative = tests.contains(&format!("not {q}"));
        assert!(positive, "{}: no positive test", doc.id);
        assert!(negative, "{}: no negative test", doc.id);
    }
    assert!(engine.rules().len() >= 25);
}

fn facts_with_import(module: &str) -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "imports": [{"kind": "import", "module": module, "top": module, "name": null,
                     "alias": null, "level": 0, "line": 2, "column": 1}],
        "names": [], "attributes": [], "calls": [], "strings": [],
        "encoding": {"declared": null, "line": null, "bom": false, "suspicious_chars": []},
        "complexity": {"bytes": 10, "lines": 2, "nodes": 3, "cyclomatic_total": 1,
                       "cyclomatic_max": 1, "cyclomatic_max_at": null, "max_nesting": 0,
                       "max_expression_depth": 1, "max_literal_bytes": 0,
                       "max_collection_items": 0, "bombs": [], "infinite_loops": []}
    })
}

#[test]
fn data_files_deep_merge_over_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("extra.yaml");
    std::fs::write(
        &extra,
        "gate:\n  imports:\n    extra_allow: [numpy]\n  weights:\n    high: 10\n",
    )
    .unwrap();
    let base = PolicyEngine::load(None, &[]).unwrap();
    let custom = PolicyEngine::load(None, &[extra]).unwrap();
    let facts: pywarden::facts::Facts = serde_json::from_value(facts_with_import("numpy")).unwrap();
    assert!(!base.evaluate(&facts, &[]).unwrap().allowed);
    assert!(custom.evaluate(&facts, &[]).unwrap().allowed);
    // Other knobs of the same objects survive the merge.
    assert!(custom.allowed_imports().contains(&"math".to_string()));
    assert!(custom.allowed_imports().contains(&"numpy".to_string()));
    let requests: pywarden::facts::Facts =
        serde_json::from_value(facts_with_import("requests")).unwrap();
    let v = custom.evaluate(&requests, &[]).unwrap();
    assert_eq!(v.score, 10, "weight for high came from the override");
    assert_eq!(v.violations[0].line, 2);
    // Extra imports for one evaluation (the `run --allow-import` path).
    assert!(
        base.evaluate(&requests, &["requests".into()])
            .unwrap()
            .allowed
    );
}

#[test]
fn deep_merge_semantics() {
    let mut a = serde_json::json!({"x": {"y": 1, "l": [1, 2]}, "k": 1});
    deep_merge(
        &mut a,
        serde_json::json!({"x": {"z": 2, "l": [3]}, "k": {"n": 1}}),
    );
    assert_eq!(
        a,
        serde_json::json!({"x": {"y": 1, "z": 2, "l": [3]}, "k": {"n": 1}})
    );
}

#[test]
fn bad_data_file_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "gate: [unclosed\n").unwrap();
    assert!(PolicyEngine::load(None, std::slice::from_ref(&bad)).is_err());
    let out = bin()
        .arg("check")
        .arg("--data")
        .arg(&bad)
        .arg("-")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let missing = bin()
        .args(["check", "--data", "/nonexistent/x.yaml", "-"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn evaluation_is_shared_across_threads() {
    let engine = PolicyEngine::load(None, &[]).unwrap();
    let facts: pywarden::facts::Facts =
        serde_json::from_value(facts_with_import("pickle")).unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..20 {
                    let v = engine.evaluate(&facts, &[]).unwrap();
                    assert!(!v.allowed);
                    assert_eq!(v.violations[0].rule, "dangerous-module");
                }
            });
        }
    });
}
