//! Report stage: renders check results as text (ruff-like), JSON (the contract's document) or
//! SARIF 2.1.0 (for code-scanning upload).
//!
//! ```
//! use pywarden::check::FileReport;
//! use pywarden::report::{Format, render};
//! let files = vec![FileReport { path: "a.py".into(), allowed: true, score: 0,
//!                               violations: vec![], error: None }];
//! let mut out = Vec::new();
//! render(Format::Json, &files, &[], &mut out).unwrap();
//! let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
//! assert_eq!(doc["summary"]["allowed"], 1);
//! ```

use std::io::Write;

use serde::Serialize;

use crate::check::FileReport;
use crate::policy::RuleDoc;

mod sarif;
mod text;

pub use sarif::sarif_document;

/// Output format of `pywarden check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `path:line:col: rule message`, one line per violation, then a summary.
    Text,
    /// The contract's JSON document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// The `summary` object of the JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub allowed: usize,
    pub denied: usize,
    pub errors: usize,
}

impl Summary {
    /// Counts reports.
    pub fn of(files: &[FileReport]) -> Self {
        Summary {
            files: files.len(),
            allowed: files.iter().filter(|f| f.allowed).count(),
            denied: files.iter().filter(|f| !f.allowed).count(),
            errors: files.iter().filter(|f| f.error.is_some()).count(),
        }
    }
}

/// The `check --format json` document.
#[derive(Debug, Serialize)]
pub struct CheckDocument<'a> {
    pub version: u32,
    pub files: &'a [FileReport],
    pub summary: Summary,
}

/// Writes `files` in `format`. `rules` documents the rule ids (SARIF rule help).
pub fn render(
    format: Format,
    files: &[FileReport],
    rules: &[RuleDoc],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::render(files, out),
        Format::Json => {
            let doc = CheckDocument {
                version: 1,
                files,
                summary: Summary::of(files),
            };
            serde_json::to_writer(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Sarif => {
            let doc = sarif_document(files, rules);
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
    }
}
