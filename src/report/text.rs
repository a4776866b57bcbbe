//! Text format, like ruff: one `path:line:col: rule message` line per violation (sorted by
//! position within each file, files in input order), then a one-line summary.

use std::io::Write;

use crate::check::FileReport;

use super::Summary;

pub(super) fn render(files: &[FileReport], out: &mut dyn Write) -> std::io::Result<()> {
    let mut total = 0usize;
    for f in files {
        for v in &f.violations {
            total += 1;
            writeln!(
                out,
                "{}:{}:{}: {} [{}] {}",
                f.path,
                v.line,
                v.column,
                v.rule,
                v.severity.as_str(),
                v.message
            )?;
        }
    }
    let s = Summary::of(files);
    if s.denied == 0 {
        writeln!(
            out,
            "All checks passed: {} unit{} allowed{}.",
            s.files,
            plural(s.files),
            if total > 0 {
                format!(" ({total} warning{})", plural(total))
            } else {
                String::new()
            }
        )
    } else {
        writeln!(
            out,
            "Found {total} violation{} in {} unit{}: {} denied, {} allowed{}.",
            plural(total),
            s.files,
            plural(s.files),
            s.denied,
            s.allowed,
            if s.errors > 0 {
                format!(", {} unreadable or unparsable", s.errors)
            } else {
                String::new()
            }
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
