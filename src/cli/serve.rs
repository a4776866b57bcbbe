//! `pywarden serve`: the gated execution HTTP API (see [`pywarden::server`]). Reads the YAML
//! configuration (optional), builds the pipeline once (policy, redactor, backend), opens the
//! SQLite store and serves until SIGTERM or Ctrl-C, then finishes in-flight requests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pywarden::check::Checker;
use pywarden::executor::Pipeline;
use pywarden::redact::Redactor;
use pywarden::sandbox::Backend;
use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::server::config::BackendKind;
use pywarden::server::{AppState, PipelineEngine, ServerConfig};

use super::EXIT_OK;

/// Arguments of `pywarden serve`.
#[derive(clap::Args)]
pub struct Args {
    /// YAML configuration file (see examples/serve.yaml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on (overrides the file), e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// SQLite database (overrides the file).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Policy directory (overrides the file).
    #[arg(long, value_name = "DIR")]
    policy_dir: Option<PathBuf>,
    /// Sandbox backend (overrides the file).
    #[arg(long, value_parser = ["local", "e2b"])]
    backend: Option<String>,
    /// Seconds to wait for in-flight requests after SIGTERM.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    drain_seconds: f64,
}

/// Builds the configured sandbox backend. A server is long-running, so the local backend
/// forks every run from a fork server (`sandbox.fork_server`, default on). Without one (off,
/// or it cannot start) the backend compiles its runner once and keeps a warm pool of
/// already-sandboxed interpreters (each used for exactly one job, never reused), sized to
/// twice the execution slots, with the server's default limits; requests that ask for other
/// limits start cold.
fn build_backend(cfg: &ServerConfig) -> anyhow::Result<Arc<dyn Backend>> {
    match cfg.backend {
        BackendKind::Local => {
            let opts = LocalOptions {
                precompile_runner: true,
                pool_size: cfg.limits.execution_slots() * 2,
                pool_config: cfg.sandbox.base(),
                fork_server: cfg.sandbox.fork_server,
                ..LocalOptions::from_env()
            };
            Ok(Arc::new(LocalBackend::new(opts)?))
        }
        BackendKind::E2b => super::run::backend(super::run::BackendKind::E2b, None),
    }
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut cfg = match &args.config {
        Some(path) => ServerConfig::load(path)?,
        None => ServerConfig::default(),
    };
    if let Some(l) = args.listen {
        cfg.listen = l;
    }
    if let Some(db) = args.db {
        cfg.db = db;
    }
    if let Some(p) = args.policy_dir {
        cfg.policy_dir = Some(p);
    }
    if let Some(b) = args.backend.as_deref() {
        cfg.backend = if b == "e2b" {
            BackendKind::E2b
        } else {
            BackendKind::Local
        };
    }
    anyhow::ensure!(
        args.drain_seconds.is_finite() && args.drain_seconds >= 0.0,
        "--drain-seconds must be a non-negative number"
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();

    let pipeline = Pipeline {
        checker: Arc::new(Checker::new(cfg.policy_dir.as_deref(), &cfg.policy_data)?),
        redactor: Arc::new(Redactor::builtin()?),
        backend: build_backend(&cfg)?,
    };
    let listen = cfg.listen;
    let stack = pywarden::parse::stack_size_for(cfg.limits.max_code_bytes) + (4 << 20);
    let state = AppState::new(cfg, Arc::new(PipelineEngine { pipeline }))?;
    // Threads with a stack big enough to analyse the largest accepted code in place: otherwise
    // every analysis starts (and unmaps) a thread of its own with that stack (see
    // facts::extract), ≈ 60 µs of CPU per request.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(stack)
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr()?;
        eprintln!("pywarden serve: listening on http://{addr}");
        pywarden::server::serve_on(
            listener,
            state,
            pywarden::server::shutdown_signal(),
            Duration::from_secs_f64(args.drain_seconds),
        )
        .await
    })?;
    eprintln!("pywarden serve: stopped");
    Ok(EXIT_OK)
}
