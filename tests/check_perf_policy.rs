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

use std::path::{Path, PathBuf};
use std::process::Command;

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
    let (mut units, mut violations) = (0, 0);
    for path in files {
        let bytes = std::fs::read(path).unwrap();
        let Ok(facts) = pywarden::facts::extract(&bytes, &Limits::default()) else {
            continue;
        };
        let value = input::input_value(&facts, extra);
        let was = old.evaluate_value(value.clone()).unwrap();
        let is = new.evaluate_value(value).unwrap();
        assert_eq!(
            was,
            is,
            "the policy rewrite changed the verdict on {}",
            path.display()
        );
        units += 1;
        violations += is.violations.len();
    }
    (units, violations)
}

fn corpus() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files = Vec::new();
    python_files(&root, &mut files);
    assert!(files.len() >= 200, "corpus not found at {}", root.display());
    files
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
