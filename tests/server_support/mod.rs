//! Shared helpers for the `server_*` integration tests: a test-double [`Engine`] (canned
//! results, no Python, no policy) and an in-process server on a random loopback port.
//!
//! The double exists to test the HTTP layer (auth, quotas, limits, records, persistence)
//! independently of the sandbox; it is never shipped as a backend. End-to-end tests with the
//! real pipeline live in `server_e2e.rs`.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use pywarden::check::FileReport;
use pywarden::executor::{ExecutionResult, ExecutorError};
use pywarden::policy::{Severity, Verdict, Violation};
use pywarden::redact::{Finding, Redacted};
use pywarden::sandbox::{SandboxConfig, Termination};
use pywarden::server::store::{KeyLimits, Store};
use pywarden::server::{AppState, Engine, ServerConfig};
use tokio::sync::Semaphore;

/// A canned engine. Code containing `deny` is refused by its "gate"; code containing
/// `unavailable` fails as a sandbox that cannot run would (nothing runs); other code "runs"
/// after waiting for a permit of `gate` (when set) and `delay`, and prints `ran <sha-less code>`.
pub struct FakeEngine {
    /// Report [`Engine::runs_blocking`] (the server then takes its one-blocking-thread path,
    /// through the trait's default `execute_blocking`).
    pub blocking: bool,
    pub delay: Duration,
    /// When set, every run waits for one permit (tests release runs one by one).
    pub gate: Option<Arc<Semaphore>>,
    /// Runs started so far.
    pub started: AtomicU64,
    /// CPU seconds each run reports.
    pub cpu_seconds: f64,
}

impl FakeEngine {
    pub fn new() -> Self {
        Self {
            blocking: false,
            delay: Duration::ZERO,
            gate: None,
            started: AtomicU64::new(0),
            cpu_seconds: 0.01,
        }
    }
}

impl Engine for FakeEngine {
    fn backend_name(&self) -> &str {
        "local"
    }

    fn runs_blocking(&self) -> bool {
        self.blocking
    }

    fn execute<'a>(
        &'a self,
        _user: &'a str,
        code: &'a str,
        context: Option<serde_json::Value>,
        config: SandboxConfig,
    ) -> BoxFuture<'a, Result<ExecutionResult, ExecutorError>> {
        Box::pin(async move {
            if code.contains("unavailable") {
                return Err(ExecutorError::Config("the test double cannot run".into()));
            }
            if code.contains("deny") {
                return Ok(result(
                    Termination::Denied,
                    String::new(),
                    0.0,
                    Verdict {
                        allowed: false,
                        score: 90,
                        violations: vec![Violation {
                            rule: "test-deny".into(),
                            severity: Severity::High,
                            family: "test".into(),
                            message: "denied by the test double".into(),
                            line: 1,
                            column: 1,
                        }],
                    },
                ));
            }
            self.started.fetch_add(1, Ordering::SeqCst);
            if let Some(g) = &self.gate {
                g.acquire().await.expect("gate closed").forget();
            }
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            let ctx = context.map(|c| c.to_string()).unwrap_or_default();
            Ok(result(
                Termination::Exited,
                format!(
                    "ran {} ctx={ctx} timeout={:?}\n",
                    code.len(),
                    config.timeout
                ),
                self.cpu_seconds,
                Verdict {
                    allowed: true,
                    score: 0,
                    violations: vec![],
                },
            ))
        })
    }

    fn analyze(&self, code: &str) -> FileReport {
        FileReport {
            path: "<request>".into(),
            allowed: !code.contains("deny"),
            score: if code.contains("deny") { 90 } else { 0 },
            violations: vec![],
            error: None,
        }
    }

    fn redact(&self, text: &str) -> Redacted {
        let findings = text
            .match_indices("SECRET")
            .map(|(i, _)| Finding {
                rule: "test-secret".into(),
                start: i,
                end: i + 6,
                line: 1,
                column: i as u32 + 1,
                preview: "SEC…".into(),
            })
            .collect();
        Redacted {
            text: text.replace("SECRET", "[REDACTED:test-secret]"),
            findings,
        }
    }
}

fn result(t: Termination, stdout: String, cpu: f64, verdict: Verdict) -> ExecutionResult {
    ExecutionResult {
        success: t == Termination::Exited,
        stdout,
        stderr: String::new(),
        error_message: None,
        exit_code: (t == Termination::Exited).then_some(0),
        termination: t,
        truncated: false,
        execution_time_seconds: 0.001,
        cpu_time_seconds: cpu,
        max_rss_kb: 1000,
        verdict,
        redactions: vec![],
        backend: "local".into(),
    }
}

/// A config with the database at `db` and small limits suited to tests.
pub fn test_config(db: &Path) -> ServerConfig {
    let mut cfg = ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        db: db.to_path_buf(),
        ..ServerConfig::default()
    };
    cfg.limits.max_body_bytes = 64 * 1024;
    cfg.limits.max_code_bytes = 32 * 1024;
    cfg.limits.max_concurrent_executions = 8;
    cfg
}

/// Creates a key directly in the database.
pub fn create_key(db: &Path, user: &str, limits: KeyLimits) -> String {
    Store::open(db).unwrap().create_key(user, limits).unwrap().1
}

/// A running in-process server.
pub struct TestServer {
    pub base: String,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestServer {
    pub async fn start(cfg: ServerConfig, engine: Arc<dyn Engine>) -> Self {
        let state = AppState::new(cfg, engine).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(pywarden::server::serve_on(
            listener,
            state.clone(),
            async move {
                let _ = rx.await;
            },
            Duration::from_secs(30),
        ));
        Self {
            base: format!("http://{addr}"),
            state,
            shutdown: Some(tx),
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST path` with `key` and a JSON `body`; the decoded JSON answer.
    pub async fn post_json(
        &self,
        c: &reqwest::Client,
        key: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> serde_json::Value {
        c.post(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send_json()
            .await
    }

    /// `GET path` with `key`; the decoded JSON answer.
    pub async fn get_json(&self, c: &reqwest::Client, key: &str, path: &str) -> serde_json::Value {
        c.get(self.url(path)).bearer_auth(key).send_json().await
    }

    /// Asks the server to shut down gracefully (like SIGTERM).
    pub fn trigger_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A client without connection-pool surprises.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Sends a request that must succeed at the HTTP level and decodes its JSON body.
pub trait SendJson {
    /// `send().await.unwrap().json().await.unwrap()`, in one call.
    fn send_json<T: serde::de::DeserializeOwned>(self) -> impl Future<Output = T>;
}

impl SendJson for reqwest::RequestBuilder {
    async fn send_json<T: serde::de::DeserializeOwned>(self) -> T {
        self.send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON body")
    }
}
