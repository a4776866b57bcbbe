//! Writes a synthetic corpus with planted secrets (and its ground truth) for benchmarks:
//!
//! ```sh
//! cargo run --release --example gen_secrets -- --kind text --mb 200 --seed 1 \
//!     --out bench-data/corpus.txt --truth bench-data/corpus.txt.truth.jsonl
//! ```
//!
//! The truth file has one JSON object per planted secret or decoy:
//! `--secret-every N` plants a secret in one segment (≈ 300 bytes) out of N (default 6).
//! `{"rule", "line", "column", "secret"}` or `{"decoy", "line", "column", "value"}` (1-based
//! line of the file; column in bytes, or for JSONL the byte offset inside the decoded field).

use std::io::{BufWriter, Write};

use pywarden::redact::generate::{Generator, Kind};

fn main() -> anyhow::Result<()> {
    let mut kind = Kind::Text;
    let mut mb = 10usize;
    let mut seed = 1u64;
    let mut out = None;
    let mut truth = None;
    let mut secret_every = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))
        };
        match a.as_str() {
            "--kind" => {
                kind = match val()?.as_str() {
                    "text" => Kind::Text,
                    "jsonl" => Kind::Jsonl,
                    k => anyhow::bail!("--kind text|jsonl, not {k}"),
                }
            }
            "--mb" => mb = val()?.parse()?,
            "--seed" => seed = val()?.parse()?,
            "--out" => out = Some(val()?),
            "--truth" => truth = Some(val()?),
            "--secret-every" => secret_every = Some(val()?.parse()?),
            _ => anyhow::bail!(
                "usage: gen_secrets --kind text|jsonl --mb N --seed S --out FILE [--truth FILE] [--secret-every N]"
            ),
        }
    }
    let out = out.ok_or_else(|| anyhow::anyhow!("--out FILE is required"))?;
    let mut w = BufWriter::new(std::fs::File::create(&out)?);
    let mut t = truth
        .map(|p| std::fs::File::create(p).map(BufWriter::new))
        .transpose()?;
    let mut g = Generator::builtin(seed)?;
    if let Some(n) = secret_every {
        g.secret_every = n;
    }
    // Generate in 8 MB pieces so memory stays small; lines never span pieces.
    let piece = 8usize << 20;
    let mut written = 0usize;
    let mut line_base = 0usize;
    while written < mb << 20 {
        let c = g.corpus(kind, piece.min((mb << 20) - written).max(1));
        w.write_all(c.text.as_bytes())?;
        if let Some(t) = &mut t {
            let newlines: Vec<usize> = memchr::memchr_iter(b'\n', c.text.as_bytes()).collect();
            // (1-based line, 1-based byte column; JSONL: offset inside the decoded field + 1)
            let line_of = |start: usize, record: usize| match kind {
                Kind::Text => {
                    let k = newlines.partition_point(|&n| n < start);
                    let line_start = if k == 0 { 0 } else { newlines[k - 1] + 1 };
                    (line_base + 1 + k, start - line_start + 1)
                }
                Kind::Jsonl => (line_base + record + 1, start + 1),
            };
            for p in &c.planted {
                let (line, column) = line_of(p.start, p.record);
                serde_json::to_writer(
                    &mut *t,
                    &serde_json::json!({"rule": p.rule, "line": line, "column": column,
                                        "secret": p.secret}),
                )?;
                t.write_all(b"\n")?;
            }
            for d in &c.decoys {
                let (line, column) = line_of(d.start, d.record);
                serde_json::to_writer(
                    &mut *t,
                    &serde_json::json!({"decoy": d.kind, "line": line, "column": column,
                                        "value": d.value}),
                )?;
                t.write_all(b"\n")?;
            }
        }
        line_base += c.text.as_bytes().iter().filter(|&&b| b == b'\n').count();
        written += c.text.len();
    }
    w.flush()?;
    eprintln!("wrote {written} bytes to {out}");
    Ok(())
}
