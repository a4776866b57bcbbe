//! `pywarden check [PATH ...] [--format text|json|sarif] [--policy-dir DIR] [--data FILE.yaml]`:
//! the static gate for CI. Discovers inputs, checks them in parallel (rayon, the policy compiled
//! once), prints one report. Exit 0 when every unit is allowed, 1 when any is denied (or could
//! not be read or parsed), 2 for usage, configuration or I/O errors.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    let reports = pool.install(|| check_largest_first(&checker, &inputs));
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

/// Checks every input on the current rayon pool, largest file first, and returns the reports
/// in discovery order. Each worker takes the next input from a shared counter: with few cores,
/// a large file picked up last (rayon splits a slice into contiguous halves) would finish
/// alone while the other cores idle.
fn check_largest_first(checker: &Checker, inputs: &[Input]) -> Vec<FileReport> {
    let sizes: Vec<u64> = inputs.par_iter().map(input_size).collect();
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, Vec<FileReport>)>> = Mutex::new(Vec::with_capacity(inputs.len()));
    rayon::scope(|s| {
        for _ in 0..rayon::current_num_threads() {
            s.spawn(|_| {
                let mut mine = Vec::new();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = order.get(k) else { break };
                    mine.push((i, check_input(checker, &inputs[i])));
                }
                done.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .extend(mine);
            });
        }
    });
    let mut done = done
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().flat_map(|(_, reports)| reports).collect()
}

/// Size in bytes of a file input (0 for stdin or when it cannot be read: its error report is
/// cheap).
fn input_size(input: &Input) -> u64 {
    match input {
        Input::File { path, .. } => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        Input::Stdin => 0,
    }
}

fn check_input(checker: &Checker, input: &Input) -> Vec<FileReport> {
    match input.read() {
        Ok(units) => units.iter().map(|u| checker.check_unit(u)).collect(),
        Err(e) => vec![unreadable(&e.path, &e.message)],
    }
}
