//! A local stand-in for E2B that speaks its wire protocol, for tests and demos.
//!
//! Two HTTP servers (axum) on 127.0.0.1: a control plane (`POST /sandboxes`,
//! `DELETE /sandboxes/{id}`, `POST /sandboxes/{id}/timeout`, `GET /sandboxes/{id}`, checked
//! against `X-API-Key`) and a data plane reached the way `E2B_SANDBOX_URL` is
//! (`E2b-Sandbox-Id` / `E2b-Sandbox-Port` headers, `X-Access-Token`, optional
//! `E2B-Traffic-Access-Token`) serving `POST /execute` as chunked NDJSON with `keepalive` lines
//! during silence, optional unknown line types, an `error` line for exceptions and
//! `end_of_execution`. Killed or expired sandboxes answer 502, like E2B's edge. Create can be
//! told to fail with given statuses (429, 503, ...) first.
//!
//! It really runs the code — it is a test double for a microVM, not a sandbox: each execution
//! is `/usr/bin/python3.11 -I -S -u` with an empty environment, fed the code on stdin. When the
//! client drops the connection the interpreter is killed (as E2B interrupts the kernel).
//! It records every sandbox created, every kill request and every executed cell, so tests can
//! prove that no sandbox was left behind. Start it from a shell with
//! `cargo run --example e2b_standin`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How the stand-in behaves.
#[derive(Debug, Clone)]
pub struct StandInOptions {
    /// The only API key the control plane accepts.
    pub api_key: String,
    /// Statuses returned by the first create calls, in order (e.g. `[429, 429]`).
    pub create_failures: Vec<u16>,
    /// Latency added to each successful create (E2B: ~150 ms cold start).
    pub create_delay: Duration,
    /// Keepalive period while the code is silent (E2B: 5 s).
    pub keepalive: Duration,
    /// Emit `number_of_executions`, `result`-like and unknown line types, as a newer E2B might.
    pub extra_lines: bool,
    /// Issue a traffic access token and require it on the data plane.
    pub traffic_token: bool,
    /// Sandboxes are gone right after creation (their data plane answers 502).
    pub expire_on_create: bool,
    /// Interpreter that runs the code.
    pub python: PathBuf,
    /// Control-plane address (port 0: any free port).
    pub control_addr: SocketAddr,
    /// Data-plane address (port 0: any free port).
    pub data_addr: SocketAddr,
}

impl Default for StandInOptions {
    fn default() -> Self {
        Self {
            api_key: "e2b_standin_key".to_string(),
            create_failures: Vec::new(),
            create_delay: Duration::ZERO,
            keepalive: Duration::from_millis(200),
            extra_lines: true,
            traffic_token: false,
            expire_on_create: false,
            python: PathBuf::from("/usr/bin/python3.11"),
            control_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// One `/execute` call as received.
#[derive(Debug, Clone)]
pub struct ExecRecord {
    pub sandbox_id: String,
    pub code: String,
    pub env_vars: Value,
    /// The client went away before the end (the interpreter was killed).
    pub client_disconnected: bool,
}

struct Sandbox {
    access_token: String,
    traffic_token: Option<String>,
    expires: std::time::Instant,
    killed: bool,
}

impl Sandbox {
    fn alive(&self) -> bool {
        !self.killed && std::time::Instant::now() < self.expires
    }
}

#[derive(Default)]
struct Inner {
    create_failures: VecDeque<u16>,
    create_attempts: usize,
    create_bodies: Vec<Value>,
    sandboxes: HashMap<String, Sandbox>,
    created: Vec<String>,
    kill_requests: Vec<String>,
    lifetime_updates: Vec<(String, u64)>,
    executions: Vec<ExecRecord>,
    bad_auth: usize,
}

struct Shared {
    opts: StandInOptions,
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running stand-in. Dropping it stops both servers.
pub struct StandIn {
    /// Base URL for `E2B_API_URL`.
    pub api_url: String,
    /// Base URL for `E2B_SANDBOX_URL`.
    pub sandbox_url: String,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl StandIn {
    /// Binds both servers and starts serving on the current tokio runtime.
    pub async fn start(opts: StandInOptions) -> std::io::Result<StandIn> {
        let control_listener = tokio::net::TcpListener::bind(opts.control_addr).await?;
        let data_listener = tokio::net::TcpListener::bind(opts.data_addr).await?;
        let api_url = format!("http://{}", control_listener.local_addr()?);
        let sandbox_url = format!("http://{}", data_listener.local_addr()?);
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                create_failures: opts.create_failures.iter().copied().collect(),
                ..Inner::default()
            }),
            opts,
        });
        let control = Router::new()
            .route("/sandboxes", post(create))
            .route(
                "/sandboxes/{id}",
                get(details)
                    .delete(kill)
                    .post(|| async { StatusCode::METHOD_NOT_ALLOWED }),
            )
            .route("/sandboxes/{id}/timeout", post(set_timeout))
            .with_state(shared.clone());
        let data = Router::new()
            .route("/execute", post(execute))
            .route("/health", get(|| async { StatusCode::NO_CONTENT }))
            .with_state(shared.clone());
        let tasks = vec![
            tokio::spawn(async move {
                let _ = axum::serve(control_listener, control).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(data_listener, data).await;
            }),
        ];
        Ok(StandIn {
            api_url,
            sandbox_url,
            shared,
            tasks,
        })
    }

    /// The API key the stand-in accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.opts.api_key
    }

    /// Makes the next create calls fail with these statuses.
    pub fn fail_next_creates(&self, statuses: &[u16]) {
        self.shared.lock().create_failures = statuses.iter().copied().collect();
    }

    /// Number of `POST /sandboxes` calls that passed authentication.
    pub fn create_attempts(&self) -> usize {
        self.shared.lock().create_attempts
    }

    /// Request bodies of successful creates.
    pub fn create_bodies(&self) -> Vec<Value> {
        self.shared.lock().create_bodies.clone()
    }

    /// Ids of sandboxes created, in order.
    pub fn created(&self) -> Vec<String> {
        self.shared.lock().created.clone()
    }

    /// Ids of kill requests received (including for unknown or expired sandboxes).
    pub fn kill_requests(&self) -> Vec<String> {
        self.shared.lock().kill_requests.clone()
    }

    /// `(id, seconds)` of lifetime updates.
    pub fn lifetime_updates(&self) -> Vec<(String, u64)> {
        self.shared.lock().lifetime_updates.clone()
    }

    /// Created sandboxes that nobody asked to kill.
    pub fn not_killed(&self) -> Vec<String> {
        let inner = self.shared.lock();
        inner
            .created
            .iter()
            .filter(|id| !inner.kill_requests.contains(id))
            .cloned()
            .collect()
    }

    /// Every executed cell.
    pub fn executions(&self) -> Vec<ExecRecord> {
        self.shared.lock().executions.clone()
    }

    /// Requests refused for a bad API key or access token.
    pub fn bad_auth(&self) -> usize {
        self.shared.lock().bad_auth
    }

    /// Waits up to `within` until every created sandbox got a kill request.
    pub async fn wait_all_killed(&self, within: Duration) -> bool {
        let until = tokio::time::Instant::now() + within;
        loop {
            if self.not_killed().is_empty() {
                return true;
            }
            if tokio::time::Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn api_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": status.as_u16(), "message": message })),
    )
        .into_response()
}

/// `None` when `X-API-Key` is right, else the 401 to answer.
fn check_key(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let ok = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| k == shared.opts.api_key);
    if ok {
        None
    } else {
        shared.lock().bad_auth += 1;
        Some(api_error(StatusCode::UNAUTHORIZED, "Invalid API key"))
    }
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

async fn create(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = check_key(&shared, &headers) {
        return r;
    }
    {
        let mut inner = shared.lock();
        inner.create_attempts += 1;
        if let Some(status) = inner.create_failures.pop_front() {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return api_error(status, "injected failure (rate limit / capacity)");
        }
    }
    tokio::time::sleep(shared.opts.create_delay).await;
    let mut inner = shared.lock();
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return api_error(StatusCode::BAD_REQUEST, "body is not JSON");
    };
    let Some(template) = req.get("templateID").and_then(Value::as_str) else {
        return api_error(StatusCode::BAD_REQUEST, "templateID is required");
    };
    if template != "code-interpreter-v1" {
        return api_error(
            StatusCode::NOT_FOUND,
            &format!("template '{template}' not found"),
        );
    }
    let timeout = req.get("timeout").and_then(Value::as_u64).unwrap_or(15);
    let id = format!("i{}", random_hex(10));
    let secure = req.get("secure").and_then(Value::as_bool).unwrap_or(false);
    let access_token = random_hex(16);
    let traffic_token = shared.opts.traffic_token.then(|| random_hex(16));
    let expires = if shared.opts.expire_on_create {
        std::time::Instant::now()
    } else {
        std::time::Instant::now() + Duration::from_secs(timeout)
    };
    inner.sandboxes.insert(
        id.clone(),
        Sandbox {
            access_token: access_token.clone(),
            traffic_token: traffic_token.clone(),
            expires,
            killed: false,
        },
    );
    inner.created.push(id.clone());
    inner.create_bodies.push(req.clone());
    (
        StatusCode::CREATED,
        axum::Json(json!({
            "sandboxID": id,
            "templateID": template,
            "clientID": "6532622b",
            "envdVersion": "0.2.0",
            "envdAccessToken": if secure { Value::from(access_token) } else { Value::Null },
            "trafficAccessToken": traffic_token,
            "domain": null,
        })),
    )
        .into_response()
}

async fn kill(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = check_key(&shared, &headers) {
        return r;
    }
    let mut inner = shared.lock();
    inner.kill_requests.push(id.clone());
    match inner.sandboxes.get_mut(&id) {
        Some(sb) if sb.alive() => {
            sb.killed = true;
            StatusCode::NO_CONTENT.into_response()
        }
        _ => api_error(StatusCode::NOT_FOUND, "sandbox not found"),
    }
}

async fn details(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = check_key(&shared, &headers) {
        return r;
    }
    let inner = shared.lock();
    match inner.sandboxes.get(&id) {
        Some(sb) if sb.alive() => (
            StatusCode::OK,
            axum::Json(
                json!({"sandboxID": id, "templateID": "code-interpreter-v1", "state": "running"}),
            ),
        )
            .into_response(),
        _ => api_error(StatusCode::NOT_FOUND, "sandbox not found"),
    }
}

async fn set_timeout(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = check_key(&shared, &headers) {
        return r;
    }
    let Some(secs) = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("timeout").and_then(Value::as_u64))
    else {
        return api_error(StatusCode::BAD_REQUEST, "timeout (seconds) is required");
    };
    let mut inner = shared.lock();
    inner.lifetime_updates.push((id.clone(), secs));
    match inner.sandboxes.get_mut(&id) {
        Some(sb) if sb.alive() => {
            sb.expires = std::time::Instant::now() + Duration::from_secs(secs);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => api_error(StatusCode::NOT_FOUND, "sandbox not found"),
    }
}

/// Picks the sandbox like E2B's edge: `E2b-Sandbox-Id`/`-Port` headers, else the
/// `<port>-<id>.<domain>` host name.
fn route(headers: &HeaderMap) -> Option<(String, String)> {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    if let Some(id) = h("e2b-sandbox-id") {
        return Some((id, h("e2b-sandbox-port").unwrap_or_default()));
    }
    let host = h("host")?;
    let first = host.split('.').next()?;
    let (port, id) = first.split_once('-')?;
    Some((id.to_string(), port.to_string()))
}

async fn execute(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some((id, port)) = route(&headers) else {
        return (StatusCode::BAD_GATEWAY, "no sandbox selected").into_response();
    };
    {
        let mut inner = shared.lock();
        let Some(sb) = inner.sandboxes.get(&id).filter(|sb| sb.alive()) else {
            return (StatusCode::BAD_GATEWAY, "The sandbox was not found").into_response();
        };
        if port != "49999" {
            return (StatusCode::BAD_GATEWAY, "no service on that port").into_response();
        }
        let token_ok = headers
            .get("x-access-token")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t == sb.access_token);
        let traffic_ok = match &sb.traffic_token {
            None => true,
            Some(want) => headers
                .get("e2b-traffic-access-token")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t == want),
        };
        if !token_ok || !traffic_ok {
            inner.bad_auth += 1;
            return (StatusCode::UNAUTHORIZED, "invalid access token").into_response();
        }
    }
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "body is not JSON").into_response();
    };
    let Some(code) = req.get("code").and_then(Value::as_str).map(str::to_string) else {
        return (StatusCode::BAD_REQUEST, "code is required").into_response();
    };
    let non_null = |k: &str| req.get(k).is_some_and(|v| !v.is_null());
    if non_null("context_id") && non_null("language") {
        return (
            StatusCode::BAD_REQUEST,
            "context_id and language cannot be provided together",
        )
            .into_response();
    }
    let index = {
        let mut inner = shared.lock();
        inner.executions.push(ExecRecord {
            sandbox_id: id.clone(),
            code: code.clone(),
            env_vars: req.get("env_vars").cloned().unwrap_or(Value::Null),
            client_disconnected: false,
        });
        inner.executions.len() - 1
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    tokio::spawn(produce(shared, id, index, code, tx));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/x-ndjson")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Runs the cell: the user's code is read from stdin and executed in a fresh `__main__`
/// namespace; an uncaught exception is reported as JSON in the file named by argv[1].
const DRIVER: &str = r#"
import sys, json, traceback
src = sys.stdin.read()
g = {"__name__": "__main__", "__builtins__": __builtins__}
try:
    exec(compile(src, "<cell>", "exec"), g)
except SystemExit as e:
    if e.code not in (None, 0):
        with open(sys.argv[1], "w") as f:
            json.dump({"name": "SystemExit", "value": str(e.code), "traceback": ""}, f)
except BaseException as e:
    tb = traceback.format_exc()
    with open(sys.argv[1], "w") as f:
        json.dump({"name": type(e).__name__, "value": str(e), "traceback": tb}, f)
"#;

fn line(v: Value) -> Result<Bytes, std::io::Error> {
    let mut s = v.to_string();
    s.push('\n');
    Ok(Bytes::from(s))
}

fn now_ts() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
}

/// Decodes `carry + chunk` as UTF-8, keeping an incomplete trailing sequence for later.
fn take_utf8(carry: &mut Vec<u8>, chunk: &[u8]) -> String {
    carry.extend_from_slice(chunk);
    let valid = match std::str::from_utf8(carry) {
        Ok(_) => carry.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => carry.len(),
    };
    let text = String::from_utf8_lossy(&carry[..valid]).into_owned();
    carry.drain(..valid);
    text
}

/// Keepalive ticks the stream goes on after its sandbox was killed, so that a client that had
/// already dropped the connection is recorded as [`ExecRecord::client_disconnected`].
const KILL_GRACE_TICKS: usize = 3;

async fn produce(
    shared: Arc<Shared>,
    id: String,
    index: usize,
    code: String,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let opts = shared.opts.clone();
    let disconnected = || {
        if let Some(rec) = shared.lock().executions.get_mut(index) {
            rec.client_disconnected = true;
        }
    };
    if opts.extra_lines {
        for v in [
            json!({"type": "number_of_executions", "execution_count": 1}),
            json!({"type": "x_future_event", "payload": {"stdout": "must not show"}}),
        ] {
            if tx.send(line(v)).await.is_err() {
                return disconnected();
            }
        }
    }
    let Ok(errfile) = tempfile::NamedTempFile::new() else {
        let _ = tx
            .send(Err(std::io::Error::other("stand-in: no temp file")))
            .await;
        return;
    };
    let child = tokio::process::Command::new(&opts.python)
        .args(["-I", "-S", "-u", "-c", DRIVER])
        .arg(errfile.path())
        .env_clear()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Err(e)).await;
            return;
        }
    };
    let (Some(mut stdin), Some(mut out), Some(mut err)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return;
    };
    tokio::spawn(async move {
        let _ = stdin.write_all(code.as_bytes()).await;
    });
    let (mut out_buf, mut err_buf) = (vec![0u8; 8192], vec![0u8; 8192]);
    let (mut out_carry, mut err_carry) = (Vec::new(), Vec::new());
    let (mut out_done, mut err_done) = (false, false);
    let mut tick = tokio::time::interval(opts.keepalive);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    while !(out_done && err_done) {
        let msg = tokio::select! {
            r = out.read(&mut out_buf), if !out_done => match r {
                Ok(n) if n > 0 => Some(json!({"type": "stdout", "text": take_utf8(&mut out_carry, &out_buf[..n]), "timestamp": now_ts()})),
                _ => { out_done = true; None }
            },
            r = err.read(&mut err_buf), if !err_done => match r {
                Ok(n) if n > 0 => Some(json!({"type": "stderr", "text": take_utf8(&mut err_carry, &err_buf[..n]), "timestamp": now_ts()})),
                _ => { err_done = true; None }
            },
            _ = tick.tick() => {
                let alive = shared.lock().sandboxes.get(&id).is_some_and(Sandbox::alive);
                if !alive {
                    // The VM is gone: the connection breaks mid-stream. A client that left
                    // first (and then killed the sandbox) is told apart from one still
                    // reading: the server notices a closed connection only when a write
                    // fails, so keep writing keepalives for a few more ticks first.
                    for _ in 0..KILL_GRACE_TICKS {
                        tokio::select! {
                            _ = tx.closed() => return disconnected(),
                            _ = tick.tick() => {
                                if tx.send(line(json!({"type": "keepalive"}))).await.is_err() {
                                    return disconnected();
                                }
                            }
                        }
                    }
                    let _ = tx.send(Err(std::io::Error::other("sandbox killed"))).await;
                    return;
                }
                Some(json!({"type": "keepalive"}))
            }
            _ = tx.closed() => { return disconnected(); }
        };
        if let Some(v) = msg
            && tx.send(line(v)).await.is_err()
        {
            return disconnected();
        }
    }
    let _ = child.wait().await;
    let mut tail = Vec::new();
    if let Ok(text) = std::fs::read_to_string(errfile.path())
        && let Ok(e) = serde_json::from_str::<Value>(&text)
    {
        tail.push(json!({"type": "error", "name": e["name"], "value": e["value"], "traceback": e["traceback"]}));
    }
    if opts.extra_lines {
        tail.push(json!({"type": "result", "is_main_result": true, "text": "None"}));
    }
    tail.push(json!({"type": "end_of_execution"}));
    for v in tail {
        if tx.send(line(v)).await.is_err() {
            return disconnected();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_split_across_chunks_is_kept_whole() {
        let mut carry = Vec::new();
        let bytes = "é!".as_bytes();
        assert_eq!(take_utf8(&mut carry, &bytes[..1]), "");
        assert_eq!(take_utf8(&mut carry, &bytes[1..]), "é!");
        assert!(carry.is_empty());
    }

    #[test]
    fn routing_uses_headers_then_host() {
        let mut h = HeaderMap::new();
        h.insert("host", "49999-iabc.e2b.app".parse().unwrap());
        assert_eq!(route(&h), Some(("iabc".into(), "49999".into())));
        h.insert("e2b-sandbox-id", "ixyz".parse().unwrap());
        h.insert("e2b-sandbox-port", "49983".parse().unwrap());
        assert_eq!(route(&h), Some(("ixyz".into(), "49983".into())));
    }
}
