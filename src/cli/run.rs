//! `pywarden run`: gate and run code in the sandbox — a thin shell over
//! [`CodeExecutor::execute`](pywarden::executor::CodeExecutor::execute).
//!
//! Code comes from FILE, `-` (stdin) or `-c CODE`; `--context JSON` is bound to the name
//! `context`. Text output replays the program's stdout/stderr and ends with a one-line summary
//! on stderr when the run failed; `--format json` prints the ExecutionResult. Exit codes: 0 the
//! code ran and succeeded, 1 it failed, was denied or hit a limit, 2 usage, configuration or
//! sandbox-setup error.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use pywarden::check::Checker;
use pywarden::executor::{CodeExecutor, ExecutionResult, Pipeline};
use pywarden::redact::Redactor;
use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::sandbox::{Backend, Termination};

use super::{EXIT_ERROR, EXIT_FOUND, EXIT_OK};

/// Where the code runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendKind {
    /// This machine: Landlock + seccomp + rlimits.
    Local,
    /// E2B Firecracker microVMs (`E2B_API_KEY`, ...).
    E2b,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Arguments of `pywarden run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Python file to run, or `-` for stdin.
    #[arg(value_name = "FILE", conflicts_with = "code")]
    pub file: Option<PathBuf>,
    /// Code to run (instead of FILE).
    #[arg(short = 'c', long = "code", value_name = "CODE")]
    pub code: Option<String>,
    /// JSON value bound to the name `context` in the code.
    #[arg(long, value_name = "JSON")]
    pub context: Option<String>,
    /// Wall-clock limit in seconds (the CPU-time limit is derived from it).
    #[arg(long, value_name = "SECONDS", default_value = "10")]
    pub timeout: f64,
    /// Address-space limit in MiB.
    #[arg(long = "memory-mb", value_name = "MB", default_value_t = 256)]
    pub memory_mb: u64,
    /// Cap on stdout + stderr bytes (the run is killed and flagged truncated past it).
    #[arg(long = "max-output", value_name = "BYTES", default_value_t = 500_000)]
    pub max_output: usize,
    /// Allow one more top-level module (repeatable).
    #[arg(long = "allow-import", value_name = "MODULE")]
    pub allow_import: Vec<String>,
    /// Where to run.
    #[arg(long, value_enum, default_value_t = BackendKind::Local)]
    pub backend: BackendKind,
    /// Skip the static gate (the sandbox alone holds).
    #[arg(long)]
    pub no_analysis: bool,
    /// Do not redact secrets from the output.
    #[arg(long)]
    pub no_redact: bool,
    /// Policy directory (default: the embedded policies).
    #[arg(long, value_name = "DIR")]
    pub policy_dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Run even if the kernel cannot enforce the full local sandbox (not recommended).
    #[arg(long)]
    pub allow_weaker_sandbox: bool,
    /// Print which sandbox would run the code (interpreter, uid, Landlock status) and exit.
    #[arg(long)]
    pub sandbox_info: bool,
    /// Python interpreter for the local backend (default: discovered at start-up).
    #[arg(long, value_name = "PATH", env = "PYWARDEN_PYTHON")]
    pub python: Option<PathBuf>,
}

/// Builds the backend named by `kind` — the one place that knows every backend's constructor.
pub fn backend(kind: BackendKind, python: Option<PathBuf>) -> anyhow::Result<Arc<dyn Backend>> {
    Ok(match kind {
        BackendKind::Local => {
            // One run per process: compiling the runner up front would not pay off.
            let mut opts = LocalOptions {
                precompile_runner: false,
                ..LocalOptions::from_env()
            };
            if python.is_some() {
                opts.interpreter = python;
            }
            Arc::new(LocalBackend::new(opts)?)
        }
        BackendKind::E2b => Arc::new(pywarden::sandbox::e2b::E2bBackend::from_env()?),
    })
}

fn read_code(args: &Args) -> anyhow::Result<String> {
    match (&args.code, &args.file) {
        (Some(c), _) => Ok(c.clone()),
        (None, Some(p)) if p.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading code from stdin")?;
            Ok(s)
        }
        (None, Some(p)) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
        }
        (None, None) => bail!("nothing to run: give FILE, `-` (stdin) or -c CODE"),
    }
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    if !args.timeout.is_finite() || args.timeout <= 0.0 || args.timeout > 86_400.0 {
        bail!("--timeout must be a number of seconds in (0, 86400]");
    }
    if args.memory_mb == 0 {
        bail!("--memory-mb must be positive");
    }
    let context = match &args.context {
        None => None,
        Some(s) => Some(serde_json::from_str(s).context("--context is not valid JSON")?),
    };
    if args.sandbox_info {
        match args.backend {
            BackendKind::Local => {
                let mut opts = LocalOptions::from_env();
                if args.python.is_some() {
                    opts.interpreter = args.python.clone();
                }
                println!("{}", LocalBackend::new(opts)?.describe());
            }
            BackendKind::E2b => println!("e2b: {}", backend(args.backend, None)?.name()),
        }
        return Ok(EXIT_OK);
    }
    let code = read_code(&args)?;
    let checker = Checker::new(args.policy_dir.as_deref(), &[]).context("loading the policy")?;
    // Without redaction, an empty engine (compiling the built-in detectors costs start-up time).
    let redactor = if args.no_redact {
        Redactor::from_specs_only(Vec::new())
    } else {
        Redactor::builtin()
    }
    .context("loading the redaction detectors")?;
    let pipeline = Pipeline {
        checker: Arc::new(checker),
        redactor: Arc::new(redactor),
        backend: backend(args.backend, args.python.clone())?,
    };
    let mut exec = CodeExecutor::with_pipeline("cli", pipeline)
        .timeout(Duration::from_secs_f64(args.timeout))
        .max_memory_mb(args.memory_mb)
        .max_output_bytes(args.max_output)
        .analysis(!args.no_analysis)
        .redaction(!args.no_redact)
        .allow_weaker_sandbox(args.allow_weaker_sandbox);
    for m in &args.allow_import {
        exec = exec.allow_import(m.clone());
    }
    let result = exec.execute(&code, context)?;
    print_result(&result, args.format)?;
    Ok(exit_code(&result))
}

fn exit_code(r: &ExecutionResult) -> i32 {
    match r.termination {
        Termination::SandboxError => EXIT_ERROR,
        _ if r.success => EXIT_OK,
        _ => EXIT_FOUND,
    }
}

fn print_result(r: &ExecutionResult, format: Format) -> anyhow::Result<()> {
    use std::io::Write;
    match format {
        Format::Json => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, r)?;
            writeln!(out)?;
        }
        Format::Text => {
            std::io::stdout().lock().write_all(r.stdout.as_bytes())?;
            let mut err = std::io::stderr().lock();
            err.write_all(r.stderr.as_bytes())?;
            if !r.success {
                let term = serde_json::to_value(r.termination)?;
                let term = term.as_str().unwrap_or("failed");
                let msg = r.error_message.as_deref().unwrap_or("");
                writeln!(err, "pywarden: {term}: {msg}")?;
            }
        }
    }
    Ok(())
}
