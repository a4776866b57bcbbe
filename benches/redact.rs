//! Criterion benchmarks of the redaction engine on generated corpora (in memory, one thread):
//! clean text, text with planted secrets, and JSONL batch redaction of a field.
//! Run with `cargo bench --bench redact`. End-to-end comparison with peer tools:
//! `scripts/bench-redact`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pywarden::redact::Redactor;
use pywarden::redact::batch::{self, BatchFinding, Events, MalformedLine, Mode, OnMalformed};
use pywarden::redact::generate::{Generator, JSONL_FIELD, Kind};
use pywarden::redact::jsonl::Pointer;

struct Nothing;
impl Events for Nothing {
    fn finding(&mut self, _: BatchFinding) {}
    fn malformed(&mut self, _: MalformedLine) {}
    fn progress(&mut self, _: u64) {}
}

fn engine(c: &mut Criterion) {
    let r = Redactor::builtin().unwrap();
    let mut g = Generator::builtin(1).unwrap();
    g.secret_every = 1_000_000_000;
    g.decoy_every = 1_000_000_000;
    let clean = g.corpus(Kind::Text, 8 << 20).text;
    let mut g = Generator::builtin(2).unwrap();
    g.secret_every = 20;
    let dirty = g.corpus(Kind::Text, 8 << 20).text;
    let jsonl = g.corpus(Kind::Jsonl, 8 << 20).text;

    let mut group = c.benchmark_group("redact");
    group.sample_size(10);
    for (name, text) in [
        ("scan-clean-text", &clean),
        ("scan-text-1-secret-per-6KB", &dirty),
    ] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| b.iter(|| r.scan(text.as_bytes()).len()));
    }
    let opts = batch::Options {
        mode: Mode::Jsonl {
            pointer: Pointer::parse(JSONL_FIELD).unwrap(),
            on_malformed: OnMalformed::Pass,
        },
        ..batch::Options::default()
    };
    group.throughput(Throughput::Bytes(jsonl.len() as u64));
    group.bench_function("batch-jsonl", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(jsonl.len());
            batch::run(&r, &opts, jsonl.as_bytes(), &mut out, &mut Nothing).unwrap();
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
