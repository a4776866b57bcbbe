//! The bytecode VM (regorus RVM) must give exactly the interpreter's verdicts: every case of
//! `corpus/` and, when present on the machine, every non-test module of the CPython standard
//! library (hundreds of real files with thousands of violations) is evaluated both ways, with
//! and without extra allowed imports, and the verdicts compared field by field.

use std::path::{Path, PathBuf};

use pywarden::parse::Limits;
use pywarden::policy::{PolicyEngine, input};

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !matches!(name, "test" | "tests" | "idle_test" | "site-packages") {
                python_files(&path, out);
            }
        } else if name.ends_with(".py") {
            out.push(path);
        }
    }
}

/// Compares VM and interpreter on `files`; returns (units compared, violations seen).
fn compare(engine: &PolicyEngine, files: &[PathBuf], extra: &[String]) -> (usize, usize) {
    let (mut units, mut violations) = (0, 0);
    for path in files {
        let bytes = std::fs::read(path).unwrap();
        let Ok(facts) = pywarden::facts::extract(&bytes, &Limits::default()) else {
            continue;
        };
        let value = input::input_value(&facts, extra);
        let vm = engine.evaluate_value(value.clone()).unwrap();
        let interpreted = engine.evaluate_value_interpreted(value).unwrap();
        assert_eq!(
            vm,
            interpreted,
            "VM and interpreter disagree on {}",
            path.display()
        );
        units += 1;
        violations += vm.violations.len();
    }
    (units, violations)
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
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files = Vec::new();
    python_files(&root, &mut files);
    assert!(files.len() >= 200, "corpus not found at {}", root.display());
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
    let stdlib = Path::new("/root/.pyenv/versions/3.11.7/lib/python3.11");
    let stdlib = if stdlib.is_dir() {
        stdlib.to_path_buf()
    } else {
        PathBuf::from("/usr/lib/python3.11")
    };
    let mut files = Vec::new();
    python_files(&stdlib, &mut files);
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
