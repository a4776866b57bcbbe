//! Handlers, the router and the OpenAPI document.
//!
//! The router is built from one table ([`route_table`]); a test compares that table with the
//! OpenAPI document's paths both ways, so an undocumented route or a documented route that does
//! not exist fails the build's tests.
//!
//! `POST /v1/execute` in order: authenticate (401), parse and bound the body (413/400/422),
//! reserve quota atomically (429 + `Retry-After`), wait for an execution slot at most the queue
//! timeout (503 + `Retry-After`, quota refunded), run the pipeline in its own task (so a client
//! that hangs up cannot cancel a run halfway or dodge its quota), store the record durably, and
//! only then answer.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, MatchedPath, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::AppState;
use super::api::*;
use super::config::QuotaLimits;
use super::store::{KeyInfo, StoredExecution, random_hex, rfc3339, sha256_hex};
use crate::executor::{ExecutionResult, ExecutorError};

/// Code strings at most this long are analysed inline; longer ones on the blocking pool.
const INLINE_ANALYZE_BYTES: usize = 16 * 1024;

// ---------------------------------------------------------------- auth

/// The authenticated caller: their key and effective quota limits.
pub struct Caller {
    pub key: KeyInfo,
    pub limits: QuotaLimits,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <key>"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| {
                let (scheme, rest) = h.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .ok_or_else(|| ApiError::unauthorized("Authorization must be `Bearer <key>`"))?;
        let key = state
            .store
            .authenticate(token)
            .map_err(|e| ApiError::unavailable(format!("key store: {e}")))?
            .ok_or_else(|| ApiError::unauthorized("unknown or revoked API key"))?;
        let limits = key.limits.resolve(&state.config.default_quotas);
        Ok(Caller { key, limits })
    }
}

// ---------------------------------------------------------------- handlers

#[utoipa::path(
    post, path = "/v1/execute", tag = "execution",
    request_body = ExecuteRequest,
    responses(
        (status = 200, description = "Gated and (if allowed) run; also for denied code", body = ExecuteResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or unknown key", body = ErrorBody),
        (status = 413, description = "Body or code too large", body = ErrorBody),
        (status = 422, description = "Wrong or missing field", body = ErrorBody),
        (status = 429, description = "Quota exhausted (see Retry-After)", body = ErrorBody),
        (status = 503, description = "Overloaded or sandbox unavailable (see Retry-After)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn execute(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ExecuteRequest>,
) -> Result<Json<ExecuteResponse>, ApiError> {
    let cfg = &state.config;
    if req.code.len() > cfg.limits.max_code_bytes {
        return Err(ApiError::too_large(format!(
            "code is {} bytes; the limit is {}",
            req.code.len(),
            cfg.limits.max_code_bytes
        )));
    }
    let mut sandbox = cfg.sandbox.base();
    if let Some(t) = req.timeout_seconds {
        if !(t.is_finite() && t > 0.0 && t <= cfg.sandbox.max_timeout_seconds) {
            return Err(ApiError::invalid_field(format!(
                "timeout_seconds must be greater than 0 and at most {}",
                cfg.sandbox.max_timeout_seconds
            )));
        }
        sandbox.timeout = Duration::from_secs_f64(t);
    }
    if let Some(m) = req.memory_mb {
        if m == 0 || m > cfg.sandbox.max_memory_mb {
            return Err(ApiError::invalid_field(format!(
                "memory_mb must be between 1 and {}",
                cfg.sandbox.max_memory_mb
            )));
        }
        sandbox.max_memory_mb = m;
    }
    if let Some(o) = req.max_output_bytes {
        if o == 0 || o > cfg.sandbox.max_output_bytes as u64 {
            return Err(ApiError::invalid_field(format!(
                "max_output_bytes must be between 1 and {}",
                cfg.sandbox.max_output_bytes
            )));
        }
        sandbox.max_output_bytes = o as usize;
    }

    let reservation = match state
        .quotas
        .reserve(&caller.key.user, &caller.limits)
        .map_err(|e| ApiError::unavailable(format!("quota store: {e}")))?
    {
        Ok(r) => r,
        Err(denial) => return Err(ApiError::quota(denial.message(), denial.retry_after_secs())),
    };
    let admitted = Instant::now();

    state.metrics.queued_add(1);
    let queue_timeout = Duration::from_secs_f64(cfg.limits.queue_timeout_seconds);
    let permit =
        tokio::time::timeout(queue_timeout, Arc::clone(&state.slots).acquire_owned()).await;
    state.metrics.queued_add(-1);
    let permit = match permit {
        Ok(Ok(p)) => p,
        _ => {
            reservation.release();
            return Err(ApiError::overloaded(
                "no execution slot became free in time; retry later",
            ));
        }
    };
    let queue_seconds = admitted.elapsed().as_secs_f64();

    // The run and its record happen in their own task: a client that disconnects neither
    // cancels a half-finished run nor skips its record and quota.
    let ExecuteRequest { code, context, .. } = req;
    let run = Admitted {
        state: state.clone(),
        caller,
        reservation,
        permit: Some(permit),
        admitted,
        queue_seconds,
    };
    let answer = if state.engine.runs_blocking() {
        // A backend that blocks by nature (local): gate, run and record on one blocking
        // thread. Going back to the runtime between the run and the record cost two more
        // thread hand-offs per execution.
        tokio::task::spawn_blocking(move || {
            let started = run.begin();
            let outcome =
                run.state
                    .engine
                    .execute_blocking(&run.caller.key.user, &code, context, sandbox);
            let (run, mut record, result) = run.recorded(code, outcome, started)?;
            let stored = run
                .state
                .store
                .insert_execution(&mut record)
                .map(|()| record.id);
            run.finish(stored, result)
        })
        .await
    } else {
        tokio::spawn(async move {
            let started = run.begin();
            let outcome = run
                .state
                .engine
                .execute(&run.caller.key.user, &code, context, sandbox)
                .await;
            let (run, mut record, result) = run.recorded(code, outcome, started)?;
            let store = Arc::clone(&run.state.store);
            let stored = tokio::task::spawn_blocking(move || {
                store.insert_execution(&mut record).map(|()| record)
            })
            .await
            .unwrap_or_else(|e| Err(super::store::StoreError::Other(e.to_string())));
            run.finish(stored.map(|r| r.id), result)
        })
        .await
    };
    match answer {
        Ok(r) => r.map(Json),
        Err(e) => Err(ApiError::unavailable(format!("execution task failed: {e}"))),
    }
}

/// An execution that passed quota admission and holds a slot: what its run needs to be
/// recorded and settled.
struct Admitted {
    state: AppState,
    caller: Caller,
    reservation: super::quota::Reservation,
    /// The execution slot, freed as soon as the run is over (before the record is stored).
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    admitted: Instant,
    queue_seconds: f64,
}

impl Admitted {
    /// Marks the slot busy; the run's start.
    fn begin(&self) -> Instant {
        self.state.metrics.pool_busy_add(1);
        Instant::now()
    }

    /// [`Admitted::record`], and on failure (nothing ran) the reservation is given back.
    fn recorded(
        mut self,
        code: String,
        outcome: Result<ExecutionResult, ExecutorError>,
        started: Instant,
    ) -> Result<(Self, StoredExecution, ExecutionResultBody), ApiError> {
        match self.record(code, outcome, started) {
            Ok((record, result)) => Ok((self, record, result)),
            Err(e) => {
                self.reservation.release();
                Err(e)
            }
        }
    }

    /// Frees the slot and turns the run's outcome into its record and answer. A failure that
    /// is not a code outcome (bad configuration, sandbox unavailable) ran nothing: nothing is
    /// recorded.
    fn record(
        &mut self,
        code: String,
        outcome: Result<ExecutionResult, ExecutorError>,
        started: Instant,
    ) -> Result<(StoredExecution, ExecutionResultBody), ApiError> {
        let run_seconds = started.elapsed().as_secs_f64();
        self.state.metrics.pool_busy_add(-1);
        drop(self.permit.take());
        let result: ExecutionResultBody = match outcome {
            Ok(r) => r.into(),
            Err(e) => {
                tracing::warn!("execution failed before running: {e}");
                return Err(ApiError::unavailable(format!("execution unavailable: {e}")));
            }
        };
        let termination = result.termination.as_str();
        self.state
            .metrics
            .observe_execution(termination, run_seconds);
        let result_json = serde_json::to_string(&result)
            .map_err(|e| ApiError::unavailable(format!("encoding the result: {e}")))?;
        let record = StoredExecution {
            seq: 0,
            id: random_hex(16),
            user: self.caller.key.user.clone(),
            key_id: self.caller.key.id.clone(),
            created_at_ms: self.reservation.created_at_ms,
            code_sha256: sha256_hex(&code),
            code,
            termination: termination.to_string(),
            cpu_time_seconds: result.cpu_time_seconds,
            result_json,
            queue_seconds: self.queue_seconds,
            run_seconds,
            total_seconds: self.admitted.elapsed().as_secs_f64(),
        };
        Ok((record, result))
    }

    /// Settles the quota (the run counts whether or not its record could be stored) and
    /// answers with the stored record's id.
    fn finish(
        self,
        stored: Result<String, super::store::StoreError>,
        result: ExecutionResultBody,
    ) -> Result<ExecuteResponse, ApiError> {
        self.reservation.settle(result.cpu_time_seconds);
        match stored {
            Ok(id) => Ok(ExecuteResponse::new(id, result)),
            Err(e) => Err(ApiError::unavailable(format!("storing the record: {e}"))),
        }
    }
}

#[utoipa::path(
    post, path = "/v1/analyze", tag = "gate",
    request_body = AnalyzeRequest,
    responses(
        (status = 200, description = "The gate's report (nothing runs)", body = AnalyzeResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or unknown key", body = ErrorBody),
        (status = 413, description = "Body or code too large", body = ErrorBody),
        (status = 422, description = "Wrong or missing field", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn analyze(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(req): ApiJson<AnalyzeRequest>,
) -> Result<Json<AnalyzeResponse>, ApiError> {
    if req.code.len() > state.config.limits.max_code_bytes {
        return Err(ApiError::too_large(format!(
            "code is {} bytes; the limit is {}",
            req.code.len(),
            state.config.limits.max_code_bytes
        )));
    }
    let report = if req.code.len() <= INLINE_ANALYZE_BYTES {
        state.engine.analyze(&req.code)
    } else {
        let engine = Arc::clone(&state.engine);
        tokio::task::spawn_blocking(move || engine.analyze(&req.code))
            .await
            .map_err(|e| ApiError::unavailable(format!("analysis failed: {e}")))?
    };
    Ok(Json(report.into()))
}

#[utoipa::path(
    post, path = "/v1/redact", tag = "redaction",
    request_body = RedactRequest,
    responses(
        (status = 200, description = "Redacted text and findings", body = RedactResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or unknown key", body = ErrorBody),
        (status = 413, description = "Body or text too large", body = ErrorBody),
        (status = 422, description = "Wrong or missing field", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn redact(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(req): ApiJson<RedactRequest>,
) -> Result<Json<RedactResponse>, ApiError> {
    if req.text.len() > state.config.limits.max_code_bytes {
        return Err(ApiError::too_large(format!(
            "text is {} bytes; the limit is {}",
            req.text.len(),
            state.config.limits.max_code_bytes
        )));
    }
    let engine = Arc::clone(&state.engine);
    let out = if req.text.len() <= INLINE_ANALYZE_BYTES {
        engine.redact(&req.text)
    } else {
        tokio::task::spawn_blocking(move || engine.redact(&req.text))
            .await
            .map_err(|e| ApiError::unavailable(format!("redaction failed: {e}")))?
    };
    Ok(Json(out.into()))
}

fn record_of(rec: StoredExecution) -> Result<ExecutionRecord, ApiError> {
    let result: ExecutionResultBody = serde_json::from_str(&rec.result_json)
        .map_err(|e| ApiError::unavailable(format!("stored record {} unreadable: {e}", rec.id)))?;
    Ok(ExecutionRecord {
        id: rec.id,
        user: rec.user,
        created_at: rfc3339(rec.created_at_ms),
        code: rec.code,
        code_sha256: rec.code_sha256,
        timings: TimingsBody {
            queue_seconds: rec.queue_seconds,
            run_seconds: rec.run_seconds,
            total_seconds: rec.total_seconds,
        },
        result,
    })
}

#[utoipa::path(
    get, path = "/v1/executions/{id}", tag = "execution",
    params(("id" = String, Path, description = "Execution id from POST /v1/execute")),
    responses(
        (status = 200, description = "The stored record", body = ExecutionRecord),
        (status = 401, description = "Missing or unknown key", body = ErrorBody),
        (status = 404, description = "No such execution of the caller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn get_execution(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<ExecutionRecord>, ApiError> {
    // axum's own rejection is plain text; the API answers in its error shape.
    let Path(id) = id.map_err(|e| ApiError::bad_request(format!("execution id: {e}")))?;
    let rec = state
        .store
        .get_execution(&caller.key.user, &id)
        .map_err(|e| ApiError::unavailable(format!("record store: {e}")))?
        .ok_or_else(|| ApiError::not_found("no such execution"))?;
    Ok(Json(record_of(rec)?))
}

#[utoipa::path(
    get, path = "/v1/executions", tag = "execution",
    params(
        ("limit" = Option<u32>, Query, description = "Page size (default 20, at most the server's max_page_size)"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "The caller's executions, newest first", body = ExecutionList),
        (status = 400, description = "Bad query parameter", body = ErrorBody),
        (status = 401, description = "Missing or unknown key", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list_executions(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<ExecutionList>, ApiError> {
    let params: HashMap<String, String> = query
        .as_deref()
        .map(|q| url_pairs(q).map_err(|e| ApiError::bad_request(format!("query string: {e}"))))
        .transpose()?
        .unwrap_or_default();
    let max = state.config.limits.max_page_size;
    let limit = match params.get("limit") {
        None => 20.min(max),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n >= 1 && n <= max => n,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "limit must be an integer between 1 and {max}"
                )));
            }
        },
    };
    let cursor = match params.get("cursor") {
        None => None,
        Some(v) => Some(v.parse::<i64>().ok().filter(|c| *c > 0).ok_or_else(|| {
            ApiError::bad_request("cursor must be the next_cursor of a previous page")
        })?),
    };
    let rows = state
        .store
        .list_executions(&caller.key.user, cursor, limit)
        .map_err(|e| ApiError::unavailable(format!("record store: {e}")))?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.seq.to_string()))
        .flatten();
    let executions = rows
        .into_iter()
        .map(|r| ExecutionSummary {
            id: r.id,
            created_at: rfc3339(r.created_at_ms),
            code_sha256: r.code_sha256,
            termination: r.termination,
            cpu_time_seconds: r.cpu_time_seconds,
            total_seconds: r.total_seconds,
        })
        .collect();
    Ok(Json(ExecutionList {
        executions,
        next_cursor,
    }))
}

/// Splits `a=1&b=2` into pairs (percent-decoding values).
fn url_pairs(q: &str) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        out.insert(percent_decode(k)?, percent_decode(v)?);
    }
    Ok(out)
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3).ok_or("truncated percent escape")?;
                let hex = std::str::from_utf8(hex).map_err(|_| "bad percent escape")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| "bad percent escape")?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "query string is not UTF-8".to_string())
}

#[utoipa::path(
    get, path = "/v1/quota", tag = "quota",
    responses(
        (status = 200, description = "The caller's limits and today's usage", body = QuotaResponse),
        (status = 401, description = "Missing or unknown key", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn quota(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<QuotaResponse>, ApiError> {
    let st = state
        .quotas
        .status(&caller.key.user, &caller.limits)
        .map_err(|e| ApiError::unavailable(format!("quota store: {e}")))?;
    Ok(Json(QuotaResponse {
        user: caller.key.user,
        limits: QuotaLimitsBody {
            daily_executions: st.limits.daily_executions,
            daily_cpu_seconds: st.limits.daily_cpu_seconds,
            max_concurrent: st.limits.max_concurrent,
        },
        executions_today: st.executions_today,
        cpu_seconds_today: st.cpu_seconds_today,
        in_flight: st.in_flight,
        remaining_executions: st
            .limits
            .daily_executions
            .saturating_sub(st.executions_today),
        remaining_cpu_seconds: (st.limits.daily_cpu_seconds - st.cpu_seconds_today).max(0.0),
        resets_at: rfc3339(st.resets_at_ms),
    }))
}

#[utoipa::path(
    get, path = "/healthz", tag = "service",
    responses((status = 200, description = "The server is up", body = HealthResponse))
)]
async fn healthz(State(state): State<AppState>) -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok".into(),
        backend: state.engine.backend_name().to_string(),
        sandbox: state.engine.backend_description(),
    })
}

#[utoipa::path(
    get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"))
)]
async fn metrics(State(state): State<AppState>) -> Response {
    let gauges = state.engine.backend_gauges();
    let mut resp = state.metrics.render_with(&gauges).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

#[utoipa::path(
    get, path = "/openapi.json", tag = "service",
    responses((status = 200, description = "This document", content_type = "application/json"))
)]
async fn openapi(State(state): State<AppState>) -> Response {
    let mut resp = state.openapi_json.as_str().to_owned().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

// ---------------------------------------------------------------- router, OpenAPI

/// Every route: method, path (axum and OpenAPI share the `{param}` syntax), handler.
pub fn route_table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::POST, "/v1/execute", post(execute)),
        (Method::POST, "/v1/analyze", post(analyze)),
        (Method::POST, "/v1/redact", post(redact)),
        (Method::GET, "/v1/executions", get(list_executions)),
        (Method::GET, "/v1/executions/{id}", get(get_execution)),
        (Method::GET, "/v1/quota", get(quota)),
        (Method::GET, "/healthz", get(healthz)),
        (Method::GET, "/metrics", get(metrics)),
        (Method::GET, "/openapi.json", get(openapi)),
    ]
}

async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().as_str().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    state.metrics.observe_request(
        &route,
        &method,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

async fn fallback() -> ApiError {
    ApiError::not_found("no such route")
}

/// The application: every route, the body cap and request metrics.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new();
    for (_, path, handler) in route_table() {
        app = app.route(path, handler);
    }
    app.fallback(fallback)
        .method_not_allowed_fallback(|| async {
            ApiError::method_not_allowed("method not allowed on this route")
        })
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.limits.max_body_bytes,
        ))
        .with_state(state)
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key from `pywarden keys create`"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3.1 document of this API (served at `/openapi.json`).
#[derive(OpenApi)]
#[openapi(
    info(title = "pywarden", description = "Gated execution of LLM-written Python: static gate, sandbox, redaction, quotas and durable records."),
    paths(execute, analyze, redact, list_executions, get_execution, quota, healthz, metrics, openapi),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        let p = url_pairs("limit=5&cursor=%31%32&x=a+b").unwrap();
        assert_eq!(p["limit"], "5");
        assert_eq!(p["cursor"], "12");
        assert_eq!(p["x"], "a b");
        assert!(url_pairs("a=%zz").is_err());
        assert!(url_pairs("a=%f").is_err());
        assert!(url_pairs("a=%ff").is_err());
    }
}
