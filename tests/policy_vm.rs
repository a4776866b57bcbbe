//! The bytecode VM (regorus RVM) must give exactly the interpreter's verdicts: every case of
//! `corpus/` and, when present on the machine, every non-test module of the CPython standard
//! library (hundreds of real files with thousands of violations) is evaluated both ways, with
//! and without extra allowed imports, and the verdicts compared field by field.

mod policy_support;

use policy_support::{corpus, stdlib};
use pywarden::parse::Limits;
use pywarden::policy::{PolicyEngine, input};

/// Compares VM and interpreter on `files`; returns (units compared, violations seen).
fn compare(
    engine: &PolicyEngine,
    files: &[std::path::PathBuf],
    extra: &[String],
) -> (usize, usize) {
    policy_support::compare(
        files,
        extra,
        "VM and interpreter disagree",
        |v| engine.evaluate_value(v).unwrap(),
        |v| engine.evaluate_value_interpreted(v).unwrap(),
    )
}

#[test]
fn default_policy_runs_on_the_vm() {
    let engine = PolicyEngine::load(None, &[]).unwrap();
    assert!(
        engine.uses_vm(),
        "the embedded policy must compile to bytecode"
    );
}

#[test]
fn vm_equals_interpreter_on_the_corpus() {
    let engine = PolicyEngine::load(None, &[]).unwrap();
    let files = corpus();
    let (units, violations) = compare(&engine, &files, &[]);
    assert!(
        units >= 200 && violations >= 100,
        "{units} units, {violations} violations"
    );
    // With extra allowed imports, `input.options` is present and changes import verdicts.
    let extra = vec!["os".to_string(), "requests".to_string(), "sys".to_string()];
    compare(&engine, &files, &extra);
}

#[test]
fn vm_equals_interpreter_on_the_stdlib() {
    let files = stdlib();
    if files.is_empty() {
        eprintln!("no CPython standard library found; skipped");
        return;
    }
    let engine = PolicyEngine::load(None, &[]).unwrap();
    let (units, violations) = compare(&engine, &files, &[]);
    assert!(
        units >= 100 && violations >= 1000,
        "{units} units, {violations} violations"
    );
}

#[test]
fn vm_honours_disabled_rules_and_custom_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("off.yaml");
    std::fs::write(
        &data,
        "gate:\n  disabled_rules: [dangerous-module]\n  imports:\n    extra_allow: [requests]\n",
    )
    .unwrap();
    let engine = PolicyEngine::load(None, &[data]).unwrap();
    assert!(engine.uses_vm());
    let src = b"import pickle\nimport requests\nimport yaml\n";
    let facts = pywarden::facts::extract(src, &Limits::default()).unwrap();
    let value = input::input_value(&facts, &[]);
    let vm = engine.evaluate_value(value.clone()).unwrap();
    assert_eq!(vm, engine.evaluate_value_interpreted(value).unwrap());
    let rules: Vec<&str> = vm.violations.iter().map(|v| v.rule.as_str()).collect();
    assert_eq!(rules, ["import-not-allowed"], "{vm:?}");
    assert_eq!(vm.violations[0].line, 3);
}
