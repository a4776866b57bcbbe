//! Streaming batch redaction: chunking at line boundaries must not change the result, and
//! JSONL output must equal per-record redaction, whatever the chunk size.

use pywarden::redact::Redactor;
use pywarden::redact::batch::{self, BatchFinding, Events, MalformedLine, Mode, OnMalformed};
use pywarden::redact::generate::{Generator, JSONL_FIELD, Kind};
use pywarden::redact::jsonl::Pointer;

#[derive(Default)]
struct Collect {
    findings: Vec<BatchFinding>,
    malformed: Vec<MalformedLine>,
    bytes: u64,
}

impl Events for Collect {
    fn finding(&mut self, f: BatchFinding) {
        self.findings.push(f);
    }
    fn malformed(&mut self, m: MalformedLine) {
        self.malformed.push(m);
    }
    fn progress(&mut self, bytes: u64) {
        self.bytes += bytes;
    }
}

#[test]
fn text_chunking_matches_whole_text_redaction() {
    let r = Redactor::builtin().unwrap();
    let corpus = Generator::builtin(11).unwrap().corpus(Kind::Text, 300_000);
    let whole = r.redact(&corpus.text);
    for chunk_size in [4096, 65_536, 1 << 20] {
        let opts = batch::Options {
            chunk_size,
            in_flight: 3,
            findings: true,
            ..batch::Options::default()
        };
        let mut out = Vec::new();
        let mut ev = Collect::default();
        let totals = batch::run(&r, &opts, corpus.text.as_bytes(), &mut out, &mut ev).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            whole.text,
            "chunk {chunk_size}"
        );
        assert_eq!(totals.findings as usize, whole.findings.len());
        assert_eq!(ev.bytes as usize, corpus.text.len());
        // Same positions and lines as the in-memory findings.
        let got: Vec<(u64, u64, String)> = ev
            .findings
            .iter()
            .map(|f| (f.start, f.line, f.rule.clone()))
            .collect();
        let want: Vec<(u64, u64, String)> = whole
            .findings
            .iter()
            .map(|f| (f.start as u64, u64::from(f.line), f.rule.clone()))
            .collect();
        assert_eq!(got, want, "chunk {chunk_size}");
    }
}

#[test]
fn jsonl_batch_equals_per_record_redaction_and_keeps_order() {
    let r = Redactor::builtin().unwrap();
    let corpus = Generator::builtin(12).unwrap().corpus(Kind::Jsonl, 200_000);
    let opts = batch::Options {
        mode: Mode::Jsonl {
            pointer: Pointer::parse(JSONL_FIELD).unwrap(),
            on_malformed: OnMalformed::Pass,
        },
        chunk_size: 8192,
        in_flight: 3,
        ..batch::Options::default()
    };
    let mut out = Vec::new();
    let mut ev = Collect::default();
    batch::run(&r, &opts, corpus.text.as_bytes(), &mut out, &mut ev).unwrap();
    let out = String::from_utf8(out).unwrap();
    let (ins, outs): (Vec<&str>, Vec<&str>) =
        (corpus.text.lines().collect(), out.lines().collect());
    assert_eq!(ins.len(), outs.len());
    assert!(ev.malformed.is_empty());
    for (i, o) in ins.iter().zip(&outs) {
        let mut a: serde_json::Value = serde_json::from_str(i).unwrap();
        let b: serde_json::Value = serde_json::from_str(o).unwrap();
        let content = a
            .pointer(JSONL_FIELD)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        *a.pointer_mut(JSONL_FIELD).unwrap() = r.redact(&content).text.into();
        assert_eq!(a, b);
    }
    // Recall on JSONL: every planted secret is gone from its record's field.
    for p in &corpus.planted {
        let rec: serde_json::Value = serde_json::from_str(outs[p.record]).unwrap();
        let field = rec.pointer(JSONL_FIELD).unwrap().as_str().unwrap();
        assert!(
            !field.contains(&p.secret),
            "{} survived in record {}",
            p.rule,
            p.record
        );
        assert!(
            field.contains(&format!("[REDACTED:{}]", p.rule)),
            "{} not tagged",
            p.rule
        );
    }
}

#[test]
fn overlong_lines_are_an_error_not_unbounded_memory() {
    let r = Redactor::builtin().unwrap();
    let opts = batch::Options {
        chunk_size: 1024,
        max_line: 10_000,
        ..batch::Options::default()
    };
    let input = "x".repeat(50_000);
    let mut out = Vec::new();
    let err = batch::run(
        &r,
        &opts,
        input.as_bytes(),
        &mut out,
        &mut Collect::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("longer than"), "{err}");
}

#[test]
fn pem_blocks_are_not_split_between_chunks() {
    let r = Redactor::builtin().unwrap();
    let mut text = String::new();
    for i in 0..200 {
        text.push_str(&format!("line {i} of ordinary log output here\n"));
    }
    let pem = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}-----END RSA PRIVATE KEY-----\n",
        "MIIEowIBAAKCAQEAvU7b1d9SLfKdJcJ0ixhmJ3ANqQ1xMIIEowIBAAKCAQEAvU7b\n".repeat(20)
    );
    text.push_str(&pem);
    text.push_str("tail\n");
    let whole = r.redact(&text);
    assert!(whole.text.contains("[REDACTED:pem-private-key]"));
    // A chunk size that would cut the block in the middle.
    let opts = batch::Options {
        chunk_size: text.find("-----BEGIN").unwrap() + 300,
        in_flight: 2,
        ..batch::Options::default()
    };
    let mut out = Vec::new();
    batch::run(
        &r,
        &opts,
        text.as_bytes(),
        &mut out,
        &mut Collect::default(),
    )
    .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), whole.text);
}

/// Redacting from memory (a slice, or a mapped file whose pages are released as it goes) gives
/// exactly what streaming the same bytes through a reader gives: output, findings and totals.
#[test]
fn mapped_and_sliced_input_match_streamed_input() {
    use std::io::Write;
    let r = Redactor::builtin().unwrap();
    let text = Generator::builtin(13)
        .unwrap()
        .corpus(Kind::Text, 400_000)
        .text;
    let jsonl = Generator::builtin(14)
        .unwrap()
        .corpus(Kind::Jsonl, 400_000)
        .text;
    let jsonl_mode = Mode::Jsonl {
        pointer: Pointer::parse(JSONL_FIELD).unwrap(),
        on_malformed: OnMalformed::Pass,
    };
    for (input, mode) in [(&text, Mode::Text), (&jsonl, jsonl_mode)] {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(input.as_bytes()).unwrap();
        file.flush().unwrap();
        let mapped = batch::MappedFile::new(file.as_file()).expect("a regular file maps");
        assert_eq!(mapped.bytes(), input.as_bytes());
        for chunk_size in [4096, 65_536] {
            let opts = batch::Options {
                mode: mode.clone(),
                chunk_size,
                in_flight: 3,
                findings: true,
                ..batch::Options::default()
            };
            let (mut want, mut want_ev) = (Vec::new(), Collect::default());
            let want_totals =
                batch::run(&r, &opts, input.as_bytes(), &mut want, &mut want_ev).unwrap();
            assert!(want_totals.findings > 0);
            let (mut got, mut got_ev) = (Vec::new(), Collect::default());
            let got_totals = batch::run_mapped(&r, &opts, &mapped, &mut got, &mut got_ev).unwrap();
            assert!(got == want, "mapped output differs (chunk {chunk_size})");
            assert_eq!(got_totals, want_totals);
            assert_eq!(got_ev.findings, want_ev.findings);
            assert_eq!(got_ev.bytes, input.len() as u64);
            let (mut got, mut got_ev) = (Vec::new(), Collect::default());
            let got_totals =
                batch::run_slice(&r, &opts, input.as_bytes(), &mut got, &mut got_ev).unwrap();
            assert!(got == want, "sliced output differs (chunk {chunk_size})");
            assert_eq!(got_totals, want_totals);
            assert_eq!(got_ev.findings, want_ev.findings);
        }
    }
    // An empty file is not mapped (the caller reads it instead).
    let empty = tempfile::NamedTempFile::new().unwrap();
    assert!(batch::MappedFile::new(empty.as_file()).is_none());
}

#[test]
fn sliced_input_keeps_pem_blocks_whole_and_rejects_overlong_lines() {
    let r = Redactor::builtin().unwrap();
    let mut text = "ordinary log line\n".repeat(100);
    text.push_str(&format!(
        "-----BEGIN EC PRIVATE KEY-----\n{}-----END EC PRIVATE KEY-----\nafter\n",
        "MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oDMtBjvNVKFxoAoGCCqGSM49\n".repeat(30)
    ));
    let whole = r.redact(&text);
    assert!(whole.text.contains("[REDACTED:pem-private-key]"));
    let opts = batch::Options {
        chunk_size: text.find("-----BEGIN").unwrap() + 200,
        in_flight: 2,
        ..batch::Options::default()
    };
    let mut out = Vec::new();
    batch::run_slice(
        &r,
        &opts,
        text.as_bytes(),
        &mut out,
        &mut Collect::default(),
    )
    .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), whole.text);

    let opts = batch::Options {
        chunk_size: 1024,
        max_line: 10_000,
        ..batch::Options::default()
    };
    let long = "x".repeat(50_000);
    let err = batch::run_slice(
        &r,
        &opts,
        long.as_bytes(),
        &mut Vec::new(),
        &mut Collect::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("longer than"), "{err}");
}
