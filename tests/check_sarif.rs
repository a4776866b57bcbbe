//! `pywarden check --format sarif`: the output validates against the vendored SARIF 2.1.0
//! JSON schema (tests/data/sarif-schema-2.1.0.json) and carries what GitHub code scanning
//! needs: rules with help text, one result per violation, locations and levels.

use std::path::Path;
use std::process::Command;

/// The vendored schema. Its `run.language` pattern has a stray `]` (fixed in the OASIS
/// errata as `^[a-zA-Z]{2}(-[a-zA-Z]{2})?$`), which strict regex checking of the schema
/// itself rejects; the fix is applied here so the file stays byte-identical to its source.
fn schema() -> serde_json::Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(p).unwrap().replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    serde_json::from_str(&text).unwrap()
}

fn run(args: &[&str], cwd: &Path) -> (Option<i32>, serde_json::Value, serde_json::Value) {
    let sarif = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["check", "--format", "sarif"])
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    let json = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["check", "--format", "json"])
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        sarif.status.code(),
        serde_json::from_slice(&sarif.stdout).expect("SARIF is JSON"),
        serde_json::from_slice(&json.stdout).expect("JSON"),
    )
}

fn assert_valid(doc: &serde_json::Value) {
    let validator = jsonschema::validator_for(&schema()).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
}

#[test]
fn sarif_for_the_escape_corpus_is_valid_and_complete() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, sarif, json) = run(&["corpus/escapes", "corpus/benign"], root);
    assert_eq!(code, Some(1));
    assert_valid(&sarif);
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let violations: usize = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["violations"].as_array().unwrap().len())
        .sum();
    assert_eq!(results.len(), violations);
    assert!(results.len() > 100);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(
            loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("corpus/")
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    for rule in rules {
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{rule}");
        assert!(rule["shortDescription"]["text"].is_string());
    }
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in [
        "subclass-walk",
        "dangerous-module",
        "syntax-error",
        "resource-bomb",
    ] {
        assert!(ids.contains(&id), "{id} missing from rules");
    }
}

#[test]
fn sarif_for_a_clean_run_is_valid_and_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.py"), "print(1)\n").unwrap();
    let (code, sarif, _) = run(&["ok.py"], dir.path());
    assert_eq!(code, Some(0));
    assert_valid(&sarif);
    assert!(sarif["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn invalid_sarif_is_rejected_by_the_schema() {
    // The validator is not vacuous: a result without a message fails.
    let doc = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"ruleId": "r"}]}]});
    let validator = jsonschema::validator_for(&schema()).unwrap();
    assert!(!validator.is_valid(&doc));
}
