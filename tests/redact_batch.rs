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
