//! `pywarden analyze FILE|- [--format json]`: prints the facts document that policies receive
//! as `input`. Exit 0 with the facts; exit 1 with `{"error": {...}}` when the source cannot be
//! parsed (syntax error, limit, encoding); exit 2 when the input cannot be read.

use std::io::{Read, Write};

use crate::cli::{EXIT_ERROR, EXIT_FOUND, EXIT_OK};

/// Output format of `analyze`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    /// Pretty-printed JSON.
    Json,
    /// One-line JSON.
    Compact,
}

/// Arguments of `pywarden analyze`.
#[derive(clap::Args)]
pub struct Args {
    /// Python file to analyse, or `-` for stdin.
    pub file: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut bytes = Vec::new();
    let read = if args.file == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(&args.file).map(|b| bytes = b)
    };
    if let Err(e) = read {
        eprintln!("pywarden: cannot read {}: {e}", args.file);
        return Ok(EXIT_ERROR);
    }
    let limits = pywarden::parse::Limits::default();
    let (doc, code) = match pywarden::facts::extract(&bytes, &limits) {
        Ok(facts) => (serde_json::to_value(&facts)?, EXIT_OK),
        Err(e) => (serde_json::json!({ "error": e }), EXIT_FOUND),
    };
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&doc)?,
        Format::Compact => serde_json::to_string(&doc)?,
    };
    // A closed pipe (`pywarden analyze f.py | head`) is not an error worth a panic.
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{out}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(code),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(e.into()),
    }
}
