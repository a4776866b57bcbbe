//! The HTTP API's wire types (requests, responses, errors) and its JSON extractor.
//!
//! These types are the single source of both the JSON the server writes and the OpenAPI
//! document (`utoipa::ToSchema`), so the two cannot disagree. Conversions from the library's
//! types destructure them exhaustively: a field added to `ExecutionResult` (or a verdict,
//! finding, ...) fails to compile here until the API says what to do with it.
//!
//! [`ApiJson`] replaces axum's `Json` extractor so that every bad body gets this API's error
//! shape: 413 beyond the body cap, 400 for malformed JSON, 422 for a wrong or missing field
//! (the message names the field). The content type is not checked: a JSON body is a JSON body.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::check::{FileReport, UnitError};
use crate::executor::ExecutionResult;
use crate::policy::{Severity, Verdict, Violation};
use crate::redact::{Finding, Redacted, RedactionCount};
use crate::sandbox::Termination;

// ---------------------------------------------------------------- errors

/// The body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable machine-readable code and a message for people.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    /// `unauthorized`, `payload_too_large`, `malformed_json`, `bad_request`, `invalid_field`,
    /// `not_found`, `method_not_allowed`, `quota_exceeded`, `overloaded`, `unavailable`.
    pub code: String,
    pub message: String,
}

/// An error response (status, code, message, optional `Retry-After`).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_json", message)
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn invalid_field(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            message,
        )
    }
    pub fn quota(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded", message)
        }
    }
    pub fn overloaded(message: impl Into<String>) -> Self {
        Self {
            retry_after_secs: Some(1),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message)
        }
    }
    /// A server-side dependency failed (storage, sandbox): 503, never a 500.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self {
            retry_after_secs: Some(1),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

// ---------------------------------------------------------------- extractor

/// A JSON body parsed into `T`, with this API's error responses (see the module docs).
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large("request body exceeds the size limit")
            } else {
                ApiError::bad_request(e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body: 400 when it is not JSON, 422 naming the field when it does not fit `T`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    use axum::extract::rejection::JsonRejection;
    match axum::Json::<T>::from_bytes(bytes) {
        // serde would also accept a struct written as an array; the API takes objects only.
        Ok(_) if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') => Err(
            ApiError::invalid_field("the request body must be a JSON object"),
        ),
        Ok(axum::Json(v)) => Ok(v),
        Err(JsonRejection::JsonDataError(e)) => {
            Err(ApiError::invalid_field(e.body_text().replace(
                "Failed to deserialize the JSON body into the target type: ",
                "",
            )))
        }
        Err(e) => Err(ApiError::malformed(e.body_text().replace(
            "Failed to parse the request body as JSON: ",
            "malformed JSON: ",
        ))),
    }
}

// ---------------------------------------------------------------- requests

/// `POST /v1/execute`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteRequest {
    /// Python source to gate and run.
    pub code: String,
    /// Any JSON value, bound to the name `context` inside the code.
    #[serde(default)]
    pub context: Option<serde_json::Value>,
    /// Wall-clock limit (server default when absent; at most the server's maximum).
    #[serde(default)]
    pub timeout_seconds: Option<f64>,
    /// Address-space limit in MiB (server default when absent; at most the server's maximum).
    #[serde(default)]
    pub memory_mb: Option<u64>,
    /// Output cap in bytes (at most the server's default).
    #[serde(default)]
    pub max_output_bytes: Option<u64>,
}

/// `POST /v1/analyze`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    /// Python source to check (nothing runs).
    pub code: String,
}

/// `POST /v1/redact`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactRequest {
    pub text: String,
}

// ---------------------------------------------------------------- library mirrors

/// How bad a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityBody {
    Low,
    Medium,
    High,
    Critical,
}

impl From<Severity> for SeverityBody {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Low => Self::Low,
            Severity::Medium => Self::Medium,
            Severity::High => Self::High,
            Severity::Critical => Self::Critical,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerminationBody {
    Exited,
    Timeout,
    Memory,
    OutputLimit,
    Signal,
    Denied,
    SyntaxError,
    SandboxError,
}

impl From<Termination> for TerminationBody {
    fn from(t: Termination) -> Self {
        match t {
            Termination::Exited => Self::Exited,
            Termination::Timeout => Self::Timeout,
            Termination::Memory => Self::Memory,
            Termination::OutputLimit => Self::OutputLimit,
            Termination::Signal => Self::Signal,
            Termination::Denied => Self::Denied,
            Termination::SyntaxError => Self::SyntaxError,
            Termination::SandboxError => Self::SandboxError,
        }
    }
}

impl TerminationBody {
    /// The wire name (`exited`, `timeout`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exited => "exited",
            Self::Timeout => "timeout",
            Self::Memory => "memory",
            Self::OutputLimit => "output_limit",
            Self::Signal => "signal",
            Self::Denied => "denied",
            Self::SyntaxError => "syntax_error",
            Self::SandboxError => "sandbox_error",
        }
    }
}

/// One located policy finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViolationBody {
    pub rule: String,
    pub severity: SeverityBody,
    pub family: String,
    pub message: String,
    pub line: u32,
    pub column: u32,
}

impl From<Violation> for ViolationBody {
    fn from(v: Violation) -> Self {
        let Violation {
            rule,
            severity,
            family,
            message,
            line,
            column,
        } = v;
        Self {
            rule,
            severity: severity.into(),
            family,
            message,
            line,
            column,
        }
    }
}

/// The gate's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictBody {
    pub allowed: bool,
    /// 0 (no risk) to 100.
    pub score: u8,
    pub violations: Vec<ViolationBody>,
}

impl From<Verdict> for VerdictBody {
    fn from(v: Verdict) -> Self {
        let Verdict {
            allowed,
            score,
            violations,
        } = v;
        Self {
            allowed,
            score,
            violations: violations.into_iter().map(Into::into).collect(),
        }
    }
}

/// How many findings of one detector were redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactionCountBody {
    pub rule: String,
    pub count: u64,
}

impl From<RedactionCount> for RedactionCountBody {
    fn from(r: RedactionCount) -> Self {
        let RedactionCount { rule, count } = r;
        Self { rule, count }
    }
}

/// The outcome of one gated execution (the contract's ExecutionResult), output redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionResultBody {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
    pub error_message: Option<String>,
    pub exit_code: Option<i32>,
    pub termination: TerminationBody,
    pub truncated: bool,
    pub execution_time_seconds: f64,
    pub cpu_time_seconds: f64,
    pub max_rss_kb: u64,
    pub verdict: VerdictBody,
    pub redactions: Vec<RedactionCountBody>,
    /// `local` or `e2b`.
    pub backend: String,
}

impl From<ExecutionResult> for ExecutionResultBody {
    fn from(r: ExecutionResult) -> Self {
        let ExecutionResult {
            success,
            stdout,
            stderr,
            error_message,
            exit_code,
            termination,
            truncated,
            execution_time_seconds,
            cpu_time_seconds,
            max_rss_kb,
            verdict,
            redactions,
            backend,
        } = r;
        Self {
            success,
            stdout,
            stderr,
            error_message,
            exit_code,
            termination: termination.into(),
            truncated,
            execution_time_seconds,
            cpu_time_seconds,
            max_rss_kb,
            verdict: verdict.into(),
            redactions: redactions.into_iter().map(Into::into).collect(),
            backend,
        }
    }
}

/// `POST /v1/execute` response: the ExecutionResult plus the id of its stored record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteResponse {
    /// Id of the stored record (`GET /v1/executions/{id}`).
    pub id: String,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
    pub error_message: Option<String>,
    pub exit_code: Option<i32>,
    pub termination: TerminationBody,
    pub truncated: bool,
    pub execution_time_seconds: f64,
    pub cpu_time_seconds: f64,
    pub max_rss_kb: u64,
    pub verdict: VerdictBody,
    pub redactions: Vec<RedactionCountBody>,
    pub backend: String,
}

impl ExecuteResponse {
    pub fn new(id: String, r: ExecutionResultBody) -> Self {
        let ExecutionResultBody {
            success,
            stdout,
            stderr,
            error_message,
            exit_code,
            termination,
            truncated,
            execution_time_seconds,
            cpu_time_seconds,
            max_rss_kb,
            verdict,
            redactions,
            backend,
        } = r;
        Self {
            id,
            success,
            stdout,
            stderr,
            error_message,
            exit_code,
            termination,
            truncated,
            execution_time_seconds,
            cpu_time_seconds,
            max_rss_kb,
            verdict,
            redactions,
            backend,
        }
    }
}

/// Why a unit could not be checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitErrorBody {
    pub kind: String,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// `POST /v1/analyze` response: the `files[0]` object of `check --format json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeResponse {
    pub path: String,
    pub allowed: bool,
    pub score: u8,
    pub violations: Vec<ViolationBody>,
    pub error: Option<UnitErrorBody>,
}

impl From<FileReport> for AnalyzeResponse {
    fn from(f: FileReport) -> Self {
        let FileReport {
            path,
            allowed,
            score,
            violations,
            error,
        } = f;
        Self {
            path,
            allowed,
            score,
            violations: violations.into_iter().map(Into::into).collect(),
            error: error.map(|e| {
                let UnitError {
                    kind,
                    message,
                    line,
                    column,
                } = e;
                UnitErrorBody {
                    kind,
                    message,
                    line,
                    column,
                }
            }),
        }
    }
}

/// One detected secret (never the secret itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingBody {
    pub rule: String,
    /// Byte span in the input text.
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub column: u32,
    pub preview: String,
}

/// `POST /v1/redact` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactResponse {
    pub text: String,
    pub findings: Vec<FindingBody>,
}

impl From<Redacted> for RedactResponse {
    fn from(r: Redacted) -> Self {
        let Redacted { text, findings } = r;
        Self {
            text,
            findings: findings
                .into_iter()
                .map(|f| {
                    let Finding {
                        rule,
                        start,
                        end,
                        line,
                        column,
                        preview,
                    } = f;
                    FindingBody {
                        rule,
                        start,
                        end,
                        line,
                        column,
                        preview,
                    }
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------- records, quota, health

/// Where the time of one execution went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimingsBody {
    /// Waiting for a free execution slot.
    pub queue_seconds: f64,
    /// Gate, sandbox and redaction.
    pub run_seconds: f64,
    /// From admission to the stored record.
    pub total_seconds: f64,
}

/// `GET /v1/executions/{id}`: one stored execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionRecord {
    pub id: String,
    pub user: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub code: String,
    pub code_sha256: String,
    pub timings: TimingsBody,
    pub result: ExecutionResultBody,
}

/// One entry of `GET /v1/executions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionSummary {
    pub id: String,
    pub created_at: String,
    pub code_sha256: String,
    pub termination: String,
    pub cpu_time_seconds: f64,
    pub total_seconds: f64,
}

/// `GET /v1/executions`: the caller's executions, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionList {
    pub executions: Vec<ExecutionSummary>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Quota limits of the calling key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaLimitsBody {
    pub daily_executions: u64,
    pub daily_cpu_seconds: f64,
    pub max_concurrent: u32,
}

/// `GET /v1/quota`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaResponse {
    pub user: String,
    pub limits: QuotaLimitsBody,
    pub executions_today: u64,
    pub cpu_seconds_today: f64,
    pub in_flight: u32,
    pub remaining_executions: u64,
    pub remaining_cpu_seconds: f64,
    /// Next reset (UTC midnight), RFC 3339.
    pub resets_at: String,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthResponse {
    /// `ok`.
    pub status: String,
    /// `local` or `e2b`.
    pub backend: String,
    /// The sandbox as it runs now, e.g. `local: python 3.11 (/usr/bin/python3.11), uid
    /// 65534:65534, Landlock fully enforced (...), seccomp deny-list, fork server`.
    pub sandbox: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bodies_map_to_400_and_422_naming_the_field() {
        let e = parse_json::<ExecuteRequest>(b"{\"code\": ").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let e = parse_json::<ExecuteRequest>(b"{\"code\": 5}").unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message.contains("code"), "{}", e.message);
        let e = parse_json::<ExecuteRequest>(b"{\"code\": \"x\", \"timeout_seconds\": \"5\"}")
            .unwrap_err();
        assert!(e.message.contains("timeout_seconds"), "{}", e.message);
        let e = parse_json::<ExecuteRequest>(b"{}").unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message.contains("code"), "{}", e.message);
        let e =
            parse_json::<ExecuteRequest>(b"{\"code\": \"x\", \"no_analysis\": true}").unwrap_err();
        assert!(e.message.contains("no_analysis"), "{}", e.message);
        let ok = parse_json::<ExecuteRequest>(b"{\"code\": \"x\", \"context\": {\"a\": [1]}}");
        assert_eq!(ok.unwrap().context.unwrap()["a"][0], 1);
    }

    #[test]
    fn deep_json_is_a_clear_error_not_a_crash() {
        let deep = format!(
            "{{\"code\": \"x\", \"context\": {}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let e = parse_json::<ExecuteRequest>(deep.as_bytes()).unwrap_err();
        assert!(e.status.is_client_error());
    }
}
