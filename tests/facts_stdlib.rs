//! Every file of the CPython 3.11 standard library (test directories excluded) must analyse
//! without error — the facts walk's limits are tuned on real code, not only on fixtures — and
//! the documents must stay compact. Skipped (with a note) when the interpreter is not there.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(
                name.as_str(),
                "test" | "tests" | "idle_test" | "site-packages"
            ) {
                collect(&p, out);
            }
        } else if name.ends_with(".py") {
            out.push(p);
        }
    }
}

#[test]
fn stdlib_analyses_cleanly() {
    let root = Path::new("/root/.pyenv/versions/3.11.7/lib/python3.11");
    if !root.is_dir() {
        eprintln!("skipped: {} not found", root.display());
        return;
    }
    let mut files = Vec::new();
    collect(root, &mut files);
    files.sort();
    assert!(files.len() > 500, "found only {} files", files.len());
    let limits = pywarden::parse::Limits::default();
    let mut entries = 0usize;
    let mut bytes = 0usize;
    for f in &files {
        let src = std::fs::read(f).unwrap();
        bytes += src.len();
        let facts = pywarden::facts::extract(&src, &limits)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(!facts.truncated, "{}", f.display());
        assert!(
            facts.complexity.bombs.is_empty(),
            "{}: {:?}",
            f.display(),
            facts.complexity.bombs
        );
        entries += facts.imports.len()
            + facts.names.len()
            + facts.attributes.len()
            + facts.calls.len()
            + facts.strings.len();
    }
    // Compact: on average well under one entry per 200 bytes of source.
    assert!(entries < bytes / 200, "{entries} entries for {bytes} bytes");
}
