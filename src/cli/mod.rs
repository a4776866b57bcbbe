//! Command-line definitions (clap) and dispatch. Every subcommand lives in its own file and is a
//! thin shell over library calls; exit codes follow the contract: 0 allowed/clean, 1 denied/found,
//! 2 usage, configuration or I/O error (one-line reason on stderr).

use clap::{Parser, Subcommand};

mod analyze;
mod check;
mod keys;
mod policy;
mod redact;
mod run;
mod serve;

/// Exit code: everything allowed / succeeded.
pub const EXIT_OK: i32 = 0;
/// Exit code: something denied / failed / found.
pub const EXIT_FOUND: i32 = 1;
/// Exit code: usage, configuration or I/O error.
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser)]
#[command(
    name = "pywarden",
    version,
    about = "A gate for LLM-written Python code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Static gate for CI: parse, analyse and score Python files against the policy.
    Check(check::Args),
    /// Print the facts document that policies receive as `input`.
    Analyze(analyze::Args),
    /// Policy utilities (`policy test`).
    Policy(policy::Args),
    /// Gate and run code in the sandbox (the library's `CodeExecutor::execute`).
    Run(run::Args),
    /// Redact secrets and personal data from text or JSONL.
    Redact(redact::Args),
    /// Serve the gated execution HTTP API.
    Serve(serve::Args),
    /// Manage API keys for `serve`.
    Keys(keys::Args),
}

/// Parses arguments, runs the subcommand and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Analyze(a) => analyze::run(a),
        Command::Policy(a) => policy::run(a),
        Command::Run(a) => run::run(a),
        Command::Redact(a) => redact::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Keys(a) => keys::run(a),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`pywarden ... | head`): stop quietly with the status a
        // SIGPIPE death would give, as Unix filters do, so a pipeline's status still says
        // the output was cut short.
        Err(e) if is_broken_pipe(&e) => EXIT_BROKEN_PIPE,
        Err(e) => {
            eprintln!("pywarden: {e:#}");
            EXIT_ERROR
        }
    }
}

/// 128 + SIGPIPE: what a shell reports for a filter killed by a closed pipe.
const EXIT_BROKEN_PIPE: i32 = 141;

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = c
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| c.downcast_ref::<serde_json::Error>()?.io_error_kind());
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}
