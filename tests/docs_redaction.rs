//! The example detector in `docs/redaction.md` parses, passes its own positive/negative
//! examples, and behaves as the doc's table says — in the library and in `pywarden redact`.

use std::path::Path;
use std::process::{Command, Stdio};

use pywarden::redact::detector::DetectorFile;
use pywarden::redact::{Options, Redactor};

fn doc() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/redaction.md"))
        .expect("docs/redaction.md exists")
}

fn between<'a>(text: &'a str, name: &str) -> &'a str {
    let begin = format!("<!-- {name}:begin");
    let end = format!("<!-- {name}:end");
    let s = text
        .find(&begin)
        .unwrap_or_else(|| panic!("{begin} missing"));
    let e = text.find(&end).unwrap_or_else(|| panic!("{end} missing"));
    &text[s..e]
}

/// The YAML inside the example-detector block.
fn example_yaml() -> String {
    let block = between(&doc(), "example-detector").to_string();
    let start = block.find("```yaml\n").expect("yaml fence") + "```yaml\n".len();
    let len = block[start..].find("```").expect("closing fence");
    block[start..start + len].to_string()
}

/// `(input, output)` rows of the example-behaviour table.
fn behaviour() -> Vec<(String, String)> {
    let text = doc();
    let rows: Vec<(String, String)> = between(&text, "example-behaviour")
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() == 4 && cells[1].starts_with('`')).then(|| {
                (
                    cells[1].trim_matches('`').to_string(),
                    cells[2].trim_matches('`').to_string(),
                )
            })
        })
        .collect();
    assert!(rows.len() >= 4, "only {} rows", rows.len());
    rows
}

#[test]
fn example_detector_passes_its_own_examples() {
    let file = DetectorFile::parse(&example_yaml(), "docs/redaction.md").expect("parses");
    assert_eq!(file.detectors.len(), 1);
    let d = &file.detectors[0];
    assert_eq!(d.id, "acme-token");
    assert!(d.examples.positive.len() >= 2 && d.examples.negative.len() >= 3);
    let alone = Redactor::from_specs_only(vec![d.clone()]).expect("compiles");
    for p in &d.examples.positive {
        let out = alone.redact(p);
        assert!(
            out.findings.iter().any(|f| f.rule == d.id),
            "positive not found: {p}"
        );
        assert!(out.text.contains("[REDACTED:acme-token]"), "{}", out.text);
    }
    for n in &d.examples.negative {
        let out = alone.redact(n);
        assert!(
            out.findings.is_empty(),
            "negative found: {n} -> {}",
            out.text
        );
    }
}

#[test]
fn example_detector_behaves_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("acme.yaml");
    std::fs::write(&rules, example_yaml()).unwrap();
    let r = Redactor::with_options(&Options {
        rule_files: vec![rules.clone()],
        ..Options::default()
    })
    .expect("built-ins plus the example load");
    for (input, output) in behaviour() {
        assert_eq!(r.redact(&input).text, output, "library, input {input:?}");

        // The same through the CLI, with its exit code: 1 when something was redacted.
        let mut child = Command::new(env!("CARGO_BIN_EXE_pywarden"))
            .args(["redact", "--no-progress", "--rules"])
            .arg(&rules)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{input}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{output}\n"));
        let expected_code = if input == output { 0 } else { 1 };
        assert_eq!(
            out.status.code(),
            Some(expected_code),
            "cli, input {input:?}"
        );
    }
}

#[test]
fn example_allowlist_only_keeps_what_it_names() {
    // Without the example's allowlist the fixture token is a secret like any other.
    let yaml = example_yaml();
    let without = yaml.split("allowlist:").next().unwrap();
    let file = DetectorFile::parse(without, "docs/redaction.md").unwrap();
    let r = Redactor::from_specs_only(file.detectors).unwrap();
    let fixture = behaviour()
        .into_iter()
        .find(|(i, o)| i == o && i.contains("acme_tok_test"))
        .expect("a documented allowlisted row")
        .0;
    assert!(r.redact(&fixture).text.contains("[REDACTED:acme-token]"));
}
