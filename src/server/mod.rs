//! HTTP API (`pywarden serve`): a thin axum shell over the same library calls as the CLI, with
//! API keys, per-user quotas and durable execution records.
//!
//! * [`config`]: the YAML configuration (listen address, database, quotas, sandbox defaults,
//!   backend, policy directory).
//! * [`store`]: SQLite (WAL, `synchronous=FULL`): API key hashes and execution records.
//! * [`quota`]: atomic admission (reserve before running, settle after).
//! * [`api`]: wire types (the OpenAPI schemas) and the JSON extractor with 400/413/422 errors.
//! * [`routes`]: handlers, the router and the OpenAPI document.
//! * [`metrics`]: Prometheus text for `/metrics`.
//!
//! The server calls the pipeline through the [`Engine`] trait; [`PipelineEngine`] is the real
//! one (the same [`crate::executor::CodeExecutor`], [`crate::check::Checker`] and
//! [`crate::redact::Redactor`] the CLI uses).

pub mod api;
pub mod config;
pub mod metrics;
pub mod quota;
pub mod routes;
pub mod store;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::Semaphore;

use crate::check::FileReport;
use crate::executor::{CodeExecutor, ExecutionResult, ExecutorError, Pipeline};
use crate::redact::Redacted;
use crate::sandbox::SandboxConfig;

pub use config::ServerConfig;
pub use routes::{ApiDoc, router};

/// What the server needs from the pipeline. Implemented by [`PipelineEngine`]; tests may
/// substitute a double to exercise the HTTP layer alone.
pub trait Engine: Send + Sync + 'static {
    /// `local` or `e2b`.
    fn backend_name(&self) -> &str;
    /// The backend's one-line description for `/healthz` (see `Backend::describe`).
    fn backend_description(&self) -> String {
        self.backend_name().to_string()
    }
    /// The backend's gauges for `/metrics` (see `Backend::gauges`).
    fn backend_gauges(&self) -> Vec<crate::sandbox::Gauge> {
        Vec::new()
    }
    /// Gates, runs and redacts `code` for `user` (the CLI's `run`).
    fn execute<'a>(
        &'a self,
        user: &'a str,
        code: &'a str,
        context: Option<serde_json::Value>,
        config: SandboxConfig,
    ) -> BoxFuture<'a, Result<ExecutionResult, ExecutorError>>;
    /// Whether [`Engine::execute_blocking`] runs the whole execution on the calling thread
    /// (the local backend); the server then gates, runs and records on one blocking thread.
    fn runs_blocking(&self) -> bool {
        false
    }
    /// [`Engine::execute`] on the calling thread, a blocking thread of the server's runtime
    /// (called only when [`Engine::runs_blocking`]); the default drives `execute` on that
    /// runtime.
    fn execute_blocking(
        &self,
        user: &str,
        code: &str,
        context: Option<serde_json::Value>,
        config: SandboxConfig,
    ) -> Result<ExecutionResult, ExecutorError> {
        tokio::runtime::Handle::current().block_on(self.execute(user, code, context, config))
    }
    /// The static gate for one code string (the CLI's `check`).
    fn analyze(&self, code: &str) -> FileReport;
    /// Redacts text (the CLI's `redact`).
    fn redact(&self, text: &str) -> Redacted;
}

/// The real engine: the shared [`Pipeline`] built once per process.
pub struct PipelineEngine {
    pub pipeline: Pipeline,
}

impl PipelineEngine {
    /// The executor of one request: the whole pipeline, gate and redaction on.
    fn executor(&self, user: &str, config: SandboxConfig) -> CodeExecutor {
        let mut exec = CodeExecutor::with_pipeline(user, self.pipeline.clone());
        exec.config = config;
        exec.enable_analysis = true;
        exec.redact_output = true;
        exec
    }
}

impl Engine for PipelineEngine {
    fn backend_name(&self) -> &str {
        self.pipeline.backend.name()
    }

    fn backend_description(&self) -> String {
        self.pipeline.backend.describe()
    }

    fn backend_gauges(&self) -> Vec<crate::sandbox::Gauge> {
        self.pipeline.backend.gauges()
    }

    fn execute<'a>(
        &'a self,
        user: &'a str,
        code: &'a str,
        context: Option<serde_json::Value>,
        config: SandboxConfig,
    ) -> BoxFuture<'a, Result<ExecutionResult, ExecutorError>> {
        Box::pin(async move {
            self.executor(user, config)
                .execute_async(code, context)
                .await
        })
    }

    fn runs_blocking(&self) -> bool {
        self.pipeline.backend.blocks_natively()
    }

    fn execute_blocking(
        &self,
        user: &str,
        code: &str,
        context: Option<serde_json::Value>,
        config: SandboxConfig,
    ) -> Result<ExecutionResult, ExecutorError> {
        self.executor(user, config).execute(code, context)
    }

    fn analyze(&self, code: &str) -> FileReport {
        self.pipeline.checker.check_code(code, &[])
    }

    fn redact(&self, text: &str) -> Redacted {
        self.pipeline.redactor.redact(text)
    }
}

/// Everything a handler needs; cloned per request (all `Arc`s).
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<ServerConfig>,
    pub store: Arc<store::Store>,
    pub quotas: Arc<quota::QuotaManager>,
    pub engine: Arc<dyn Engine>,
    pub metrics: Arc<metrics::Metrics>,
    /// Execution slots (bounded concurrency across users).
    pub slots: Arc<Semaphore>,
    /// The OpenAPI document, rendered once.
    pub openapi_json: Arc<String>,
}

impl AppState {
    /// Opens the store and assembles the state for `config` and `engine`.
    pub fn new(config: ServerConfig, engine: Arc<dyn Engine>) -> anyhow::Result<Self> {
        config.validate()?;
        let store = Arc::new(store::Store::open(&config.db)?);
        let slots = config.limits.execution_slots();
        let doc = <ApiDoc as utoipa::OpenApi>::openapi().to_json()?;
        Ok(Self {
            quotas: quota::QuotaManager::new(Arc::clone(&store)),
            store,
            engine,
            metrics: Arc::new(metrics::Metrics::new(slots)),
            slots: Arc::new(Semaphore::new(slots)),
            openapi_json: Arc::new(doc),
            config: Arc::new(config),
        })
    }
}

/// Serves on `listener` until `shutdown` resolves, then stops accepting connections and waits
/// for in-flight requests (executions included) to finish, at most `drain` long.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    drain: Duration,
) -> anyhow::Result<()> {
    let store = Arc::clone(&state.store);
    let app = router(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = tx.send(());
    });
    let mut server = std::pin::pin!(server.into_future());
    // With nothing in flight the server can finish in the same poll that sees the shutdown
    // signal: the statistics below are logged either way.
    let result = tokio::select! {
        r = &mut server => r.map_err(Into::into),
        _ = async { let _ = rx.await; } => {
            tracing::info!("shutting down: waiting for in-flight requests");
            match tokio::time::timeout(drain, server).await {
                Ok(r) => r.map_err(Into::into),
                Err(_) => {
                    tracing::warn!("in-flight requests still running after {drain:?}; exiting");
                    Ok(())
                }
            }
        }
    };
    let (transactions, records) = store.group_commit_stats();
    tracing::info!("execution records: {records} committed in {transactions} transactions");
    result
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
