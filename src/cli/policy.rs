//! `pywarden policy test [--policy-dir DIR] [--data FILE.yaml]`: runs every `test_*` rule of
//! the policy's `*_test.rego` files and prints each result like `opa test`; exit 1 on any
//! failure. Without `--policy-dir` the embedded default policy is tested.

use std::path::PathBuf;

use pywarden::policy::{PolicySet, TestOutcome, run_tests};

use super::{EXIT_FOUND, EXIT_OK};

/// Arguments of `pywarden policy`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Run every `test_*` rule of the policy's `*_test.rego` files.
    Test {
        /// Policy directory (default: the embedded policy).
        #[arg(long)]
        policy_dir: Option<PathBuf>,
        /// Extra YAML data, deep-merged over the policy's data (repeatable).
        #[arg(long)]
        data: Vec<PathBuf>,
        /// Print only failures and the summary.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    match args.command {
        Command::Test {
            policy_dir,
            data,
            quiet,
        } => {
            let set = match &policy_dir {
                Some(dir) => PolicySet::from_dir(dir)?,
                None => PolicySet::embedded(),
            };
            let results = run_tests(&set, &data)?;
            let mut failed = 0usize;
            let mut last_file = "";
            for r in &results {
                let ok = r.outcome == TestOutcome::Pass;
                if !ok {
                    failed += 1;
                }
                if quiet && ok {
                    continue;
                }
                if r.file != last_file {
                    println!("{}:", r.file);
                    last_file = &r.file;
                }
                let micros = r.duration.as_micros();
                match &r.outcome {
                    TestOutcome::Pass => println!("{}: PASS ({micros}µs)", r.path),
                    TestOutcome::Fail => println!("{}: FAIL ({micros}µs)", r.path),
                    TestOutcome::Error(e) => println!("{}: ERROR ({micros}µs)\n  {e}", r.path),
                }
            }
            println!("{}", "-".repeat(80));
            let passed = results.len() - failed;
            if results.is_empty() {
                println!("no test_* rules found");
                return Ok(EXIT_FOUND);
            }
            println!("PASS: {passed}/{}", results.len());
            if failed > 0 {
                println!("FAIL: {failed}/{}", results.len());
                Ok(EXIT_FOUND)
            } else {
                Ok(EXIT_OK)
            }
        }
    }
}
