//! `pywarden check [PATH ...] [--format text|json|sarif] [--policy-dir DIR] [--data FILE.yaml]`:
//! the static gate for CI. Discovers inputs, checks them in parallel (rayon, the policy compiled
//! once), prints one report. Exit 0 when every unit is allowed, 1 when any is denied (or could
//! not be read or parsed), 2 for usage, configuration or I/O errors.

use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;

use pywarden::check::{Checker, FileReport, unreadable};
use pywarden::report::{Format, render};
use pywarden::source::{Input, discover};

use super::{EXIT_FOUND, EXIT_OK};

/// Stack size of the checking threads: parsing and walking hostile input needs headroom.
const WORKER_STACK: usize = 64 * 1024 * 1024;

/// Arguments of `pywarden check`.
#[derive(clap::Args)]
pub struct Args {
    /// Files, directories (recursive, honouring .gitignore), Markdown/text files with
    /// ```python blocks, or `-` for stdin. Default: the current directory.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Policy directory (`*.rego` and `*.yaml`) replacing the embedded default policy.
    #[arg(long)]
    policy_dir: Option<PathBuf>,
    /// YAML data deep-merged over the policy's data (repeatable).
    #[arg(long)]
    data: Vec<PathBuf>,
    /// Number of worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let checker =
        Checker::new(args.policy_dir.as_deref(), &args.data)?.with_worker_stack(WORKER_STACK);
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let inputs = discover(&paths)?;
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(n) = args.threads {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder.build()?;
    let reports: Vec<FileReport> = pool.install(|| {
        inputs
            .par_iter()
            .flat_map_iter(|input| check_input(&checker, input))
            .collect()
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    render(args.format, &reports, &checker.rule_docs(), &mut out)?;
    out.flush()?;
    Ok(if reports.iter().all(|r| r.allowed) {
        EXIT_OK
    } else {
        EXIT_FOUND
    })
}

fn check_input(checker: &Checker, input: &Input) -> Vec<FileReport> {
    match input.read() {
        Ok(units) => units.iter().map(|u| checker.check_unit(u)).collect(),
        Err(e) => vec![unreadable(&e.path, &e.message)],
    }
}
