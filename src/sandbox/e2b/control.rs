//! E2B control plane: create, kill and extend sandboxes (`https://api.<domain>`, JSON,
//! `X-API-Key`).
//!
//! Creation is the call E2B users see fail most (429 concurrency caps, 503 capacity), so
//! [`ControlPlane::create`] retries 429/502/503/504 with jittered exponential backoff, bounded by
//! [`E2bConfig::create_attempts`]; a 401/403 is a configuration error that names
//! `E2B_API_KEY` (never its value). Transport errors on create are not retried: the sandbox may
//! exist already and a blind retry could leak a billable one.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::json;

use super::config::E2bConfig;
use crate::sandbox::SandboxError;

/// A created sandbox, as the control plane describes it (`Sandbox` in E2B's OpenAPI spec).
#[derive(Clone, Deserialize)]
pub struct SandboxInfo {
    #[serde(rename = "sandboxID")]
    pub sandbox_id: String,
    #[serde(rename = "templateID", default)]
    pub template_id: Option<String>,
    #[serde(rename = "envdVersion", default)]
    pub envd_version: Option<String>,
    /// `X-Access-Token` for the data plane (secure sandboxes).
    #[serde(rename = "envdAccessToken", default)]
    pub envd_access_token: Option<String>,
    /// `E2B-Traffic-Access-Token` for the data plane, when E2B issues one.
    #[serde(rename = "trafficAccessToken", default)]
    pub traffic_access_token: Option<String>,
    /// Domain of the sandbox's data plane (`None`: the configured domain).
    #[serde(default)]
    pub domain: Option<String>,
}

impl fmt::Debug for SandboxInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxInfo")
            .field("sandbox_id", &self.sandbox_id)
            .field("template_id", &self.template_id)
            .field("envd_version", &self.envd_version)
            .field(
                "envd_access_token",
                &self.envd_access_token.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "traffic_access_token",
                &self.traffic_access_token.as_ref().map(|_| "<redacted>"),
            )
            .field("domain", &self.domain)
            .finish()
    }
}

/// E2B's error body: `{"code": int, "message": str}`.
#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    message: Option<String>,
}

/// Client for the control plane. Cheap to clone (shares the connection pool).
#[derive(Clone)]
pub struct ControlPlane {
    http: reqwest::Client,
    api_url: String,
    template_id: String,
    allow_internet_access: bool,
    metadata: serde_json::Value,
    attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl fmt::Debug for ControlPlane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlPlane")
            .field("api_url", &self.api_url)
            .field("template_id", &self.template_id)
            .finish_non_exhaustive()
    }
}

impl ControlPlane {
    /// Builds the client (the API key goes into a sensitive default header).
    pub fn new(cfg: &E2bConfig) -> Result<Self, SandboxError> {
        let mut key = HeaderValue::from_str(&cfg.api_key).map_err(|_| {
            SandboxError::Config("E2B_API_KEY cannot be sent in an HTTP header".into())
        })?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("X-API-Key", key);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("pywarden/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            .build()
            .map_err(|e| SandboxError::Config(format!("cannot build the E2B HTTP client: {e}")))?;
        Ok(Self {
            http,
            api_url: cfg.api_url.trim_end_matches('/').to_string(),
            template_id: cfg.template_id.clone(),
            allow_internet_access: cfg.allow_internet_access,
            metadata: json!(cfg.metadata),
            attempts: cfg.create_attempts.max(1),
            base_delay: cfg.retry_base_delay,
            max_delay: cfg.retry_max_delay,
        })
    }

    /// `POST /sandboxes` with an explicit lifetime, `secure: true`, egress as configured and
    /// the metadata; retried on 429/502/503/504.
    pub async fn create(&self, lifetime: Duration) -> Result<SandboxInfo, SandboxError> {
        let body = json!({
            "templateID": self.template_id,
            "timeout": lifetime.as_secs().max(1),
            "secure": true,
            "allow_internet_access": self.allow_internet_access,
            "metadata": self.metadata,
            "autoPause": false,
        });
        let url = format!("{}/sandboxes", self.api_url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let resp = self
                .http
                .post(&url)
                .json(&body)
                .send()
                .await
                .map_err(|e| remote("create sandbox", &e))?;
            let status = resp.status();
            if status.is_success() {
                return resp.json::<SandboxInfo>().await.map_err(|e| {
                    SandboxError::Remote(format!("E2B create returned an unexpected body: {e}"))
                });
            }
            let retry_after = retry_after(resp.headers());
            let message = error_message(resp).await;
            match status {
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    return Err(SandboxError::Config(format!(
                        "E2B rejected the API key ({status}): {message}; check E2B_API_KEY \
                         (and E2B_API_URL / E2B_DOMAIN if you use a self-hosted E2B)"
                    )));
                }
                StatusCode::TOO_MANY_REQUESTS
                | StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT
                    if attempt < self.attempts =>
                {
                    let delay = self.backoff(attempt, retry_after);
                    tracing::debug!(%status, attempt, ?delay, "E2B create: retrying");
                    tokio::time::sleep(delay).await;
                }
                StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND => {
                    return Err(SandboxError::Config(format!(
                        "E2B refused to create a sandbox from template {:?} ({status}): {message}",
                        self.template_id
                    )));
                }
                _ => {
                    return Err(SandboxError::Remote(format!(
                        "E2B could not create a sandbox ({status} after {attempt} attempt(s)): \
                         {message}"
                    )));
                }
            }
        }
    }

    /// `DELETE /sandboxes/{id}`. A 404 counts as done (already gone).
    pub async fn kill(&self, sandbox_id: &str) -> Result<(), SandboxError> {
        let url = format!("{}/sandboxes/{}", self.api_url, path_segment(sandbox_id));
        let resp = self
            .http
            .delete(&url)
            .send()
            .await
            .map_err(|e| remote("kill sandbox", &e))?;
        match resp.status() {
            s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(()),
            s => Err(SandboxError::Remote(format!(
                "E2B could not kill sandbox {sandbox_id} ({s}): {}",
                error_message(resp).await
            ))),
        }
    }

    /// `POST /sandboxes/{id}/timeout`: the sandbox lives `lifetime` from now.
    pub async fn set_lifetime(
        &self,
        sandbox_id: &str,
        lifetime: Duration,
    ) -> Result<(), SandboxError> {
        let url = format!(
            "{}/sandboxes/{}/timeout",
            self.api_url,
            path_segment(sandbox_id)
        );
        let resp = self
            .http
            .post(&url)
            .json(&json!({ "timeout": lifetime.as_secs().max(1) }))
            .send()
            .await
            .map_err(|e| remote("set sandbox lifetime", &e))?;
        match resp.status() {
            s if s.is_success() => Ok(()),
            s => Err(SandboxError::Remote(format!(
                "E2B could not extend sandbox {sandbox_id} ({s}): {}",
                error_message(resp).await
            ))),
        }
    }

    /// Full-jitter exponential backoff: 50–100 % of `base · 2^(attempt-1)`, capped; a
    /// server's `Retry-After` wins when longer (still capped).
    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(self.max_delay);
        let jittered = exp.mul_f64(rand::random_range(0.5..=1.0));
        retry_after
            .map(|r| r.min(self.max_delay))
            .map_or(jittered, |r| r.max(jittered))
    }
}

/// Sandbox ids are E2B-generated; refuse to build a path from anything but `[A-Za-z0-9_-]`.
fn path_segment(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}

/// The `message` of an E2B error body (or a short prefix of the raw body).
async fn error_message(resp: reqwest::Response) -> String {
    let text = resp.text().await.unwrap_or_default();
    let msg = serde_json::from_str::<ApiError>(&text)
        .ok()
        .and_then(|e| e.message)
        .unwrap_or(text);
    let msg = msg.trim();
    if msg.is_empty() {
        return "(no message)".to_string();
    }
    msg.chars().take(300).collect()
}

fn remote(what: &str, e: &reqwest::Error) -> SandboxError {
    // reqwest errors carry the URL, never headers, so the API key cannot leak here.
    SandboxError::Remote(format!("E2B {what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let mut cfg = E2bConfig::new("k");
        cfg.retry_base_delay = Duration::from_millis(100);
        cfg.retry_max_delay = Duration::from_millis(1000);
        let cp = ControlPlane::new(&cfg).unwrap();
        for attempt in 1..40 {
            let d = cp.backoff(attempt, None);
            let full = Duration::from_millis(100)
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(Duration::from_millis(1000));
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
        // Retry-After is honoured but capped.
        assert_eq!(
            cp.backoff(1, Some(Duration::from_secs(60))),
            Duration::from_millis(1000)
        );
    }

    #[test]
    fn sandbox_ids_cannot_inject_paths() {
        assert_eq!(path_segment("sbx-1_a"), "sbx-1_a");
        assert_eq!(path_segment("../../admin?x=1"), "adminx1");
    }

    #[test]
    fn tokens_are_redacted_in_debug() {
        let info: SandboxInfo = serde_json::from_value(json!({
            "sandboxID": "sbx1", "envdAccessToken": "tok-secret", "trafficAccessToken": "traf-secret",
            "unknownField": 1
        }))
        .unwrap();
        let dbg = format!("{info:?}");
        assert!(dbg.contains("sbx1") && !dbg.contains("secret"), "{dbg}");
    }
}
