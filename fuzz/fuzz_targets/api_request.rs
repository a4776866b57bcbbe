//! Fuzz target `api_request`: arbitrary HTTP requests through the real axum [`Router`] of
//! `pywarden serve` (authentication, the body cap, `ApiJson` body parsing, field validation,
//! quota admission, the store), driven in-process with `tower::ServiceExt::oneshot` on a
//! current-thread tokio runtime.
//!
//! Input layout: byte 0 picks the method and route, byte 1 the `Authorization` and
//! `Content-Type` headers, the rest is the body (POST routes) or the path/query suffix (GET
//! routes). Seeds are `\x00\x00` + a JSON body from `tests/server_*.rs`.
//!
//! The engine is the real static gate ([`Checker`]) and the real [`Redactor`]; its `execute`
//! runs the gate but never runs code (a backend that cannot execute anything), so the fuzzer
//! tests the real HTTP stack at full speed.
//!
//! Invariants: no panic; never a 5xx; every error response has the contract's error shape
//! (`{"error": {"code", "message"}}`); a 2xx answer to a POST means the body was a well-formed
//! request object; an authenticated POST whose body does not fit the request type is a 400,
//! 413 or 422.
#![no_main]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use futures_util::future::BoxFuture;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use pywarden::check::{Checker, FileReport};
use pywarden::executor::{ExecutionResult, ExecutorError};
use pywarden::policy::Verdict;
use pywarden::redact::{Redacted, Redactor};
use pywarden::sandbox::{SandboxConfig, Termination};
use pywarden::server::api::{AnalyzeRequest, ErrorBody, ExecuteRequest, RedactRequest, parse_json};
use pywarden::server::store::{KeyLimits, Store};
use pywarden::server::{AppState, Engine, ServerConfig};
use tower::ServiceExt;

/// The real gate and redactor; `execute` gates the code and reports it as run without running
/// anything.
struct GateOnlyEngine {
    checker: Checker,
    redactor: Redactor,
}

impl Engine for GateOnlyEngine {
    fn backend_name(&self) -> &str {
        "local"
    }

    fn execute<'a>(
        &'a self,
        _user: &'a str,
        code: &'a str,
        _context: Option<serde_json::Value>,
        _config: SandboxConfig,
    ) -> BoxFuture<'a, Result<ExecutionResult, ExecutorError>> {
        Box::pin(async move {
            let report = self.checker.check_code(code, &[]);
            let termination = match &report.error {
                Some(e) if e.kind == "syntax-error" => Termination::SyntaxError,
                _ if !report.allowed => Termination::Denied,
                _ => Termination::Exited,
            };
            Ok(ExecutionResult {
                success: termination == Termination::Exited,
                stdout: String::new(),
                stderr: String::new(),
                error_message: None,
                exit_code: (termination == Termination::Exited).then_some(0),
                termination,
                truncated: false,
                execution_time_seconds: 0.0,
                cpu_time_seconds: 0.0,
                max_rss_kb: 0,
                verdict: Verdict {
                    allowed: report.allowed,
                    score: report.score,
                    violations: report.violations,
                },
                redactions: vec![],
                backend: "local".into(),
            })
        })
    }

    fn analyze(&self, code: &str) -> FileReport {
        self.checker.check_code(code, &[])
    }

    fn redact(&self, text: &str) -> Redacted {
        self.redactor.redact(text)
    }
}

struct World {
    rt: tokio::runtime::Runtime,
    engine: Arc<GateOnlyEngine>,
    dir: PathBuf,
    /// The current state and its key; replaced every [`ROTATE`] requests so the database of
    /// execution records stays small.
    current: Mutex<(AppState, String)>,
}

/// Requests served by one database before a fresh one replaces it.
const ROTATE: u64 = 20_000;

fn fresh_state(dir: &std::path::Path, engine: &Arc<GateOnlyEngine>, n: u64) -> (AppState, String) {
    let db = dir.join(format!("api-{n}.db"));
    let _ = std::fs::remove_file(&db);
    let mut cfg = ServerConfig {
        db: db.clone(),
        ..ServerConfig::default()
    };
    cfg.limits.max_body_bytes = 64 * 1024;
    cfg.limits.max_code_bytes = 32 * 1024;
    cfg.limits.max_concurrent_executions = 4;
    let limits = KeyLimits {
        daily_executions: Some(u64::MAX / 2),
        daily_cpu_seconds: Some(1e12),
        max_concurrent: Some(1000),
    };
    let key = Store::open(&db)
        .expect("store opens")
        .create_key("fuzz", limits)
        .expect("key created")
        .1;
    let engine: Arc<dyn Engine> = engine.clone();
    (AppState::new(cfg, engine).expect("state"), key)
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        // tmpfs when there is one: the store syncs every record.
        let base = ["/dev/shm", "/tmp"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("pywarden-fuzz-api-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let engine = Arc::new(GateOnlyEngine {
            checker: Checker::new(None, &[]).expect("default policy loads"),
            redactor: Redactor::builtin().expect("built-in detectors load"),
        });
        // Blocking-pool threads never retire: a thread exiting mid-run would show up as a
        // LeakSanitizer "leak" (its thread-local destructors), which is tokio, not pywarden.
        let rt = tokio::runtime::Builder::new_current_thread()
            .thread_keep_alive(std::time::Duration::from_secs(7 * 24 * 3600))
            .enable_all()
            .build()
            .expect("runtime");
        let current = Mutex::new(fresh_state(&dir, &engine, 0));
        World {
            rt,
            engine,
            dir,
            current,
        }
    })
}

const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/execute"),
    ("POST", "/v1/analyze"),
    ("POST", "/v1/redact"),
    ("GET", "/v1/executions/"),
    ("GET", "/v1/executions?"),
    ("GET", "/v1/quota"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("PUT", "/v1/execute"),
    ("GET", "/v1/analyze"),
    ("DELETE", "/v1/executions/"),
    ("POST", "/"),
];

/// Percent-encodes everything outside `[A-Za-z0-9-._~/?&=%+]` so any bytes form a URI.
fn uri_safe(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~/?&=%+".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let w = world();
    static SERVED: AtomicU64 = AtomicU64::new(0);
    let n = SERVED.fetch_add(1, Ordering::Relaxed);
    let (state, key) = {
        let mut cur = w.current.lock().expect("state lock");
        if n > 0 && n % ROTATE == 0 {
            let old = cur.0.config.db.clone();
            *cur = fresh_state(&w.dir, &w.engine, n / ROTATE);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", old.display()));
            }
        }
        cur.clone()
    };

    let (method, path) = ROUTES[data[0] as usize % ROUTES.len()];
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let rest = &data[2..];
    let is_post = method == Method::POST;
    let uri = if is_post || method == Method::PUT {
        path.to_string()
    } else if path.ends_with('/') || path.ends_with('?') {
        format!("{path}{}", uri_safe(&rest[..rest.len().min(256)]))
    } else {
        path.to_string()
    };
    let mut req = Request::builder().method(method.clone()).uri(&uri);
    let h = data[1];
    let authorised = match h & 7 {
        0 | 6 | 7 => {
            req = req.header(header::AUTHORIZATION, format!("Bearer {key}"));
            true
        }
        1 => false,
        2 => {
            req = req.header(header::AUTHORIZATION, format!("Basic {key}"));
            false
        }
        3 => {
            req = req.header(header::AUTHORIZATION, "Bearer pw_not_a_key");
            false
        }
        4 => {
            req = req.header(header::AUTHORIZATION, format!("bEaReR   {key}  "));
            true
        }
        _ => {
            req = req.header(header::AUTHORIZATION, "Bearer");
            false
        }
    };
    match (h >> 3) & 3 {
        0 => {}
        1 => req = req.header(header::CONTENT_TYPE, "application/json"),
        2 => req = req.header(header::CONTENT_TYPE, "text/plain; charset=latin1"),
        _ => req = req.header(header::CONTENT_TYPE, "multipart/form-data; boundary=x"),
    }
    let body = if is_post || method == Method::PUT {
        Body::from(rest.to_vec())
    } else {
        Body::empty()
    };
    let Ok(req) = req.body(body) else {
        return;
    };

    let app = pywarden::server::router(state.clone());
    let (status, bytes) = w.rt.block_on(async move {
        let resp = app.oneshot(req).await.expect("infallible service");
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .expect("body collects")
            .to_bytes();
        (status, bytes)
    });

    assert!(
        !status.is_server_error(),
        "{status} for {method} {uri}: {}",
        String::from_utf8_lossy(&bytes)
    );
    if status.is_client_error() || status.is_server_error() {
        let parsed: Result<ErrorBody, _> = serde_json::from_slice(&bytes);
        assert!(
            parsed.is_ok(),
            "{status} for {method} {uri} without the error shape: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    if is_post && authorised {
        let fits = match path {
            "/v1/execute" => parse_json::<ExecuteRequest>(rest).is_ok(),
            "/v1/analyze" => parse_json::<AnalyzeRequest>(rest).is_ok(),
            "/v1/redact" => parse_json::<RedactRequest>(rest).is_ok(),
            _ => true,
        };
        if status.is_success() {
            assert!(fits, "{status} for a body that is not a request object");
        }
        if !fits {
            assert!(
                matches!(
                    status,
                    StatusCode::BAD_REQUEST
                        | StatusCode::PAYLOAD_TOO_LARGE
                        | StatusCode::UNPROCESSABLE_ENTITY
                ),
                "{status} for a malformed body: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }
});
