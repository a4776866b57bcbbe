//! Throughput of the parse and facts stages on the CPython 3.11 standard library (test
//! directories excluded): `ruff_python_parser` alone vs the full `facts::extract` (decode,
//! pre-scan, parse, facts walk, drop — on the guarded big-stack thread), and the facts walk
//! run inline on the current thread. Run with `cargo bench --bench facts`.
//!
//! Set `PYWARDEN_STDLIB` to use another directory.

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !(name == "test"
                || name == "tests"
                || name == "idle_test"
                || name == "site-packages")
            {
                collect(&p, out);
            }
        } else if name.ends_with(".py") {
            out.push(p);
        }
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let root = std::env::var("PYWARDEN_STDLIB")
        .unwrap_or_else(|_| "/root/.pyenv/versions/3.11.7/lib/python3.11".into());
    let mut files = Vec::new();
    collect(Path::new(&root), &mut files);
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn bench(c: &mut Criterion) {
    let files = corpus();
    let bytes: usize = files.iter().map(Vec::len).sum();
    eprintln!("{} files, {} bytes", files.len(), bytes);
    let limits = pywarden::parse::Limits::default();
    let mut g = c.benchmark_group("stdlib");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("parse_only", |b| {
        b.iter(|| {
            let mut ok = 0;
            for f in &files {
                if let Ok(s) = std::str::from_utf8(f) {
                    ok += usize::from(ruff_python_parser::parse_module(s).is_ok());
                }
            }
            ok
        })
    });
    g.bench_function("prescan_only", |b| {
        b.iter(|| {
            files
                .iter()
                .filter_map(|f| std::str::from_utf8(f).ok())
                .filter(|t| pywarden::parse::prescan(t, &limits).is_ok())
                .count()
        })
    });
    g.bench_function("extract", |b| {
        b.iter(|| {
            files
                .iter()
                .filter(|f| pywarden::facts::extract(f, &limits).is_ok())
                .count()
        })
    });
    // Inline on a thread with a big stack: what a rayon pool built with a large
    // `stack_size` would pay (no thread spawn per file).
    g.bench_function("extract_inline", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                std::thread::Builder::new()
                    .stack_size(pywarden::parse::stack_size_for(4 << 20))
                    .spawn_scoped(s, || {
                        files
                            .iter()
                            .filter(|f| {
                                pywarden::facts::extract_on_current_thread(f, &limits).is_ok()
                            })
                            .count()
                    })
                    .expect("thread")
                    .join()
                    .expect("join")
            })
        })
    });
    // Both cores, the way `check` runs: a rayon pool whose threads have the stack `extract`
    // needs, so it runs inline (no thread per file).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .stack_size(pywarden::parse::stack_size_for(limits.max_bytes) + (2 << 20))
        .build()
        .expect("pool");
    g.bench_function("extract_parallel_2", |b| {
        use rayon::prelude::*;
        b.iter(|| {
            pool.install(|| {
                files
                    .par_iter()
                    .filter(|f| pywarden::facts::extract(f, &limits).is_ok())
                    .count()
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
