//! `pywarden redact` end to end: exit codes, text and JSONL modes, byte-preserving JSONL
//! splicing, malformed-line handling, reports, user detectors, allowlists, styles, switches.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const AWS: &str = "AKIAZ7QW3ER5TY6UI2OP";
const GHP: &str = "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";

fn pywarden(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .arg("redact")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pywarden");
    // The process may exit (usage error) before reading its input: ignore a broken pipe.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn text_exit_codes_follow_the_contract() {
    let o = pywarden(&[], &format!("key {AWS}\nnothing here\n"));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "key [REDACTED:aws-access-key-id]\nnothing here\n"
    );

    let clean = "just prose, no secrets\n";
    let o = pywarden(&["-"], clean);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), clean);
}

#[test]
fn jsonl_redacts_only_the_field_and_preserves_every_other_byte() {
    let input = format!(
        concat!(
            "{{\"id\": 1,  \"meta\":{{\"k\":\"{aws}\"}}, \"choices\":[{{\"message\":{{\"content\":\"token {ghp} ok\"}}}}]}}\n",
            "{{\"id\":2,\"choices\":[{{\"message\":{{\"content\":\"line\\nkey={aws}\\u00e9\"}}}}]}}\n",
            "\n",
            "{{\"id\":3,\"choices\":[]}}\n"
        ),
        aws = AWS,
        ghp = GHP
    );
    let o = pywarden(
        &["--jsonl", "--field", "/choices/0/message/content"],
        &input,
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = stdout(&o);
    let lines: Vec<&str> = out.split('\n').collect();
    // Field outside the pointer untouched, spacing preserved.
    assert_eq!(
        lines[0],
        format!(
            "{{\"id\": 1,  \"meta\":{{\"k\":\"{AWS}\"}}, \"choices\":[{{\"message\":{{\"content\":\"token [REDACTED:github-pat-classic] ok\"}}}}]}}"
        )
    );
    // Escaped field: decoded, redacted, re-encoded.
    let rec: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(
        rec["choices"][0]["message"]["content"],
        "line\nkey=[REDACTED:aws-access-key-id]é"
    );
    assert_eq!(lines[2], "");
    assert_eq!(lines[3], "{\"id\":3,\"choices\":[]}");
    assert_eq!(lines.len(), 5);
}

#[test]
fn malformed_lines_are_reported_and_passed_or_rejected() {
    let input = format!("{{\"text\":\"{AWS}\"}}\n{{not json\n{{\"text\":\"fine\"}}\n");
    let o = pywarden(&["--jsonl"], &input);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("-:2: malformed JSON"), "{err}");
    assert_eq!(
        stdout(&o),
        "{\"text\":\"[REDACTED:aws-access-key-id]\"}\n{not json\n{\"text\":\"fine\"}\n"
    );

    let o = pywarden(&["--jsonl", "--on-malformed", "reject"], &input);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stdout(&o),
        "{\"text\":\"[REDACTED:aws-access-key-id]\"}\n{\"text\":\"fine\"}\n"
    );
}

#[test]
fn report_has_findings_without_secrets_and_counts_by_rule() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, format!("a\nb {AWS} {GHP}\n{AWS}\n")).unwrap();
    let report = dir.path().join("report.json");
    let out = dir.path().join("out.txt");
    let o = pywarden(
        &[
            input.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        !text.contains(AWS) && !text.contains(GHP),
        "report leaks a secret"
    );
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    assert_eq!(findings[0]["rule"], "aws-access-key-id");
    assert_eq!(findings[0]["line"], 2);
    assert_eq!(findings[0]["column"], 3);
    assert_eq!(findings[2]["line"], 3);
    assert_eq!(r["summary"]["by_rule"]["aws-access-key-id"], 2);
    assert_eq!(r["summary"]["by_rule"]["github-pat-classic"], 1);
    assert_eq!(r["summary"]["findings"], 3);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "a\nb [REDACTED:aws-access-key-id] [REDACTED:github-pat-classic]\n[REDACTED:aws-access-key-id]\n"
    );
}

#[test]
fn user_rules_and_allowlists_apply() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        r#"
detectors:
  - id: acme-token
    description: ACME internal token.
    keywords: [acme_tok_]
    regex: '\bacme_tok_[A-Za-z0-9]{16}\b'
    examples: {positive: ['acme_tok_AbCdEfGh12345678'], negative: ['acme_tok_x']}
"#,
    )
    .unwrap();
    let allow = dir.path().join("allow.yaml");
    std::fs::write(&allow, format!("allowlist:\n  values: ['{AWS}']\n")).unwrap();
    let o = pywarden(
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--allowlist",
            allow.to_str().unwrap(),
        ],
        &format!("acme_tok_AbCdEfGh12345678 {AWS} {GHP}"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        format!("[REDACTED:acme-token] {AWS} [REDACTED:github-pat-classic]")
    );
}

#[test]
fn styles_and_switches() {
    // Hash: same secret, same token; different secrets differ.
    let input = format!("{AWS} {AWS} AKIAZ7QW3ER5TY6UI2OA");
    let o = pywarden(&["--style", "hash", "--hash-key", "k1"], &input);
    let out = stdout(&o);
    let tokens: Vec<&str> = out.split(' ').collect();
    assert!(
        tokens[0].starts_with("[REDACTED:aws-access-key-id:"),
        "{out}"
    );
    assert_eq!(tokens[0], tokens[1]);
    assert_ne!(tokens[0], tokens[2]);
    let o2 = pywarden(&["--style", "hash", "--hash-key", "k2"], &input);
    assert_ne!(stdout(&o2).split(' ').next().unwrap(), tokens[0]);
    // Hash without a key is a usage error.
    let o = pywarden(&["--style", "hash"], &input);
    assert_eq!(o.status.code(), Some(2));

    let o = pywarden(&["--style", "partial"], GHP);
    assert_eq!(stdout(&o), "ghp_…[REDACTED:github-pat-classic]");

    let text = "mail jane.doe@acme-corp.io now";
    assert_eq!(pywarden(&[], text).status.code(), Some(1));
    let o = pywarden(&["--disable", "email-address"], text);
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), text.to_string()));
    assert_eq!(
        pywarden(&["--disable", "no-such-rule"], text).status.code(),
        Some(2)
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let o = pywarden(&["/no/such/file"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/no/such/file"));
    let o = pywarden(&["--jsonl", "--field", "no-slash"], "{}");
    assert_eq!(o.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "detectors:\n  - id: x\n    description: d\n    keywords: [abcd]\n    regex: '('\n",
    )
    .unwrap();
    let o = pywarden(&["--rules", bad.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("invalid regex"));
}

#[test]
fn directories_are_walked_in_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), format!("{AWS}\n")).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/b.txt"), "clean\n").unwrap();
    let o = pywarden(&[dir.path().to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "[REDACTED:aws-access-key-id]\nclean\n");
}
