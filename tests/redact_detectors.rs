//! Every built-in detector's own examples (positive found, negative not), in isolation and in
//! the full engine, plus the decoys the issue names (UUIDs, git SHAs, digests, base64 images,
//! Luhn-invalid numbers, invalid SSN ranges, kebab-case `sk-` identifiers).

use pywarden::redact::detector::DetectorFile;
use pywarden::redact::{BUILTIN_YAML, Redactor};

fn builtin_file() -> DetectorFile {
    DetectorFile::parse(BUILTIN_YAML, "policies/redaction.yaml").expect("builtin parses")
}

#[test]
fn builtin_set_is_large_documented_and_unique() {
    let file = builtin_file();
    assert!(
        file.detectors.len() >= 40,
        "only {} detectors",
        file.detectors.len()
    );
    let mut ids: Vec<&str> = file.detectors.iter().map(|d| d.id.as_str()).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate detector ids");
    for d in &file.detectors {
        assert!(!d.description.is_empty(), "{}: no description", d.id);
        assert!(!d.why.is_empty(), "{}: no why", d.id);
        assert!(
            !d.examples.positive.is_empty(),
            "{}: no positive example",
            d.id
        );
        assert!(
            !d.examples.negative.is_empty(),
            "{}: no negative example",
            d.id
        );
        assert!(d.generate.is_some(), "{}: no generator template", d.id);
    }
}

#[test]
fn each_detector_alone_finds_its_positives_and_not_its_negatives() {
    let mut failures = Vec::new();
    for d in builtin_file().detectors {
        let r = Redactor::from_specs_only(vec![d.clone()]).expect("compiles");
        for p in &d.examples.positive {
            let out = r.redact(p);
            if !out.findings.iter().any(|f| f.rule == d.id) {
                failures.push(format!("{}: positive not found: {p:?}", d.id));
            }
        }
        for n in &d.examples.negative {
            let out = r.redact(n);
            if !out.findings.is_empty() {
                failures.push(format!(
                    "{}: negative matched: {n:?} -> {:?}",
                    d.id, out.text
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn full_engine_attributes_each_positive_to_its_detector() {
    let r = Redactor::builtin().unwrap();
    let mut failures = Vec::new();
    for d in builtin_file().detectors {
        for p in &d.examples.positive {
            let out = r.redact(p);
            if !out.findings.iter().any(|f| f.rule == d.id) {
                failures.push(format!("{}: {p:?} -> {:?}", d.id, out.findings));
            }
            assert!(
                out.text.contains(&format!("[REDACTED:{}]", d.id))
                    || !out.findings.iter().any(|f| f.rule == d.id)
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn decoys_stay_untouched() {
    let r = Redactor::builtin().unwrap();
    let decoys = [
        "request id 123e4567-e89b-12d3-a456-426614174000 done",
        "commit f3176813e02ea68ef786e4d3cea27d26934b484e fixes it",
        "sha256:6a6f0fb23c6f5da2cec255404e4fb440034d6608697a8d41bed440e50454f31a",
        "![img](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==)",
        "order 4507529170342363 shipped",
        "ref 4111-1111-1111-1112",
        "000-12-3456 666-12-3456 912-12-3456",
        "the risk-assessment-service-deployment-handler and task-runner-sk-proj-module",
        "use my-sk-long-kebab-case-identifier-name-here",
        "timestamp 2024-01-15T10:23:45.123456Z level=info",
        "pi is 3.14159265358979 and e is 2.71828182845904",
    ];
    for d in decoys {
        let out = r.redact(d);
        assert!(
            out.findings.is_empty(),
            "decoy redacted: {d:?} -> {:?}",
            out.text
        );
        assert_eq!(out.text, d);
    }
}

#[test]
fn findings_carry_location_and_never_the_secret() {
    let r = Redactor::builtin().unwrap();
    let text = "line one\nkey = AKIAZ7QW3ER5TY6UI2OP\n";
    let out = r.redact(text);
    assert_eq!(out.text, "line one\nkey = [REDACTED:aws-access-key-id]\n");
    let f = &out.findings[0];
    assert_eq!((f.line, f.column), (2, 7));
    assert_eq!(&text[f.start..f.end], "AKIAZ7QW3ER5TY6UI2OP");
    assert!(
        !f.preview.contains("Z7QW3ER5"),
        "preview leaks: {}",
        f.preview
    );
    assert_eq!(f.preview, "AKIA…[20 chars]");
}

#[test]
fn builtin_allowlist_keeps_documented_example_keys() {
    let r = Redactor::builtin().unwrap();
    let text =
        "AKIAIOSFODNN7EXAMPLE and aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let out = r.redact(text);
    assert_eq!(out.text, text);
    // The same shapes with other values are redacted.
    let out = r.redact("AKIAIOSFODNN7EXAMPLF");
    assert_eq!(out.text, "[REDACTED:aws-access-key-id]");
}

#[test]
fn secrets_sharing_one_leading_context_are_all_found() {
    // Found by the `redact` fuzz target: an Azure SAS URL with two `sig=` parameters. The
    // first match consumed the `sv=…&` context, so the second signature was left in the
    // output (and only found when the output was redacted again).
    let r = Redactor::builtin().unwrap();
    let a = "A35grOtWgIcFiI2TBAHS0GNzLZKF2zuJDM2";
    let b = "B35grOtWgIcFiI2TBAHS0GNzLZKF2zuJDMB0LO5UHWf%3D";
    let c = "C35grOtWgIcFiI2TBAHS0GNzLZKF2zuJDMB0LO5UHWf";
    let text = format!(
        "see https://a.blob.core.windows.net/c?sv=2022-11-02&ss=b&sp=r&sig={a}&ss=b&sp=r&sig={b}&x=1&sig={c} ok"
    );
    let once = r.redact(&text);
    for secret in [a, b, c] {
        assert!(
            !once.text.contains(secret),
            "{secret} left in {}",
            once.text
        );
    }
    assert_eq!(once.findings.len(), 3, "{:?}", once.findings);
    // Offsets are the input's, in order, and each covers exactly a signature.
    let spans: Vec<&str> = once
        .findings
        .iter()
        .map(|f| &text[f.start..f.end])
        .collect();
    assert_eq!(spans, [a, b, c]);
    let twice = r.redact(&once.text);
    assert!(twice.findings.is_empty(), "{:?}", twice.findings);
    // As many as the pattern's reach allows (≤ 300 bytes from `sv=…&` to a `sig=`, counted
    // on the redacted text): each round of rescanning looks around the previous round's hits.
    let sigs: Vec<String> = (0..9).map(|i| format!("{i:02}{}", &b[2..])).collect();
    let mut url = "https://a.blob.core.windows.net/c?sv=2022-11-02&sp=r".to_string();
    for s in &sigs {
        url.push_str(&format!("&sig={s}"));
    }
    let once = r.redact(&url);
    assert_eq!(once.findings.len(), sigs.len(), "{}", once.text);
    assert!(r.redact(&once.text).findings.is_empty());
    // A secret glued to another is found once its neighbour is replaced (the marker's `]`
    // is a boundary): same fuzz target, `Bearer <token>(416) 555-2671`.
    let text = "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR(416) 555-2671";
    let once = r.redact(text);
    let rules: Vec<&str> = once.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["bearer-token", "phone-number"], "{}", once.text);
    assert!(r.redact(&once.text).findings.is_empty());
    // The committed fuzz inputs themselves.
    for name in ["regression-sas-two-sigs", "regression-glued-phone"] {
        let path = format!("{}/fuzz/corpus/redact/{name}", env!("CARGO_MANIFEST_DIR"));
        let input = String::from_utf8(std::fs::read(path).unwrap()).unwrap();
        let once = r.redact(&input);
        let twice = r.redact(&once.text);
        assert!(twice.findings.is_empty(), "{name}: {:?}", twice.findings);
        assert_eq!(twice.text, once.text);
    }
}

#[test]
fn redacting_redacted_text_changes_nothing() {
    // Found by the `redact` fuzz target: a URL whose credentials were redacted, followed by
    // `:@host`, matched the database-URL detector again (`[REDACTED` as the user, the rest of
    // the marker as the password). A span containing a marker is earlier output.
    let r = Redactor::builtin().unwrap();
    for text in [
        "DATABASE_URL=postgresql://[REDACTED:database-url-credentials]:@5432/app",
        "redis://[REDACTED:x]:[REDACTED:y]@cache:6379/0",
    ] {
        let out = r.redact(text);
        assert!(out.findings.is_empty(), "{text}: {:?}", out.findings);
        assert_eq!(out.text, text);
    }
    let once = r.redact("DATABASE_URL=postgresql://admin:s3cr3tPassw0rd@db.internal:5432/app");
    assert_eq!(once.findings.len(), 1);
    let twice = r.redact(&once.text);
    assert!(twice.findings.is_empty(), "{:?}", twice.findings);
    assert_eq!(twice.text, once.text);
    // Real credentials next to a marker are still found.
    let out = r.redact("[REDACTED:x] postgresql://admin:s3cr3tPassw0rd@db.internal:5432/app");
    assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
    assert_eq!(out.findings[0].rule, "database-url-credentials");
}
