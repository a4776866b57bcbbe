//! E2B backend configuration: the official SDKs' environment names plus pywarden's knobs.
//!
//! [`E2bConfig::from_env`] reads `E2B_API_KEY`, `E2B_DOMAIN`, `E2B_API_URL` and
//! `E2B_SANDBOX_URL` with the same meaning as E2B's Python and JS SDKs, and a few
//! `PYWARDEN_E2B_*` names for what the SDKs leave to code (template, egress, warm pool).
//! The API key is a secret: the `Debug` impl prints `<redacted>` instead of it and nothing in
//! this backend logs it.
//!
//! ```
//! use pywarden::sandbox::e2b::E2bConfig;
//!
//! let cfg = E2bConfig::from_lookup(|name| match name {
//!     "E2B_API_KEY" => Some("e2b_0123456789abcdef".to_string()),
//!     _ => None,
//! })
//! .unwrap();
//! assert_eq!(cfg.api_url, "https://api.e2b.app");
//! assert!(!format!("{cfg:?}").contains("0123456789abcdef"));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::sandbox::SandboxError;

/// Default E2B domain (the SDKs' default).
pub const DEFAULT_DOMAIN: &str = "e2b.app";
/// Default template: E2B's code interpreter (Jupyter kernel server on port 49999).
pub const DEFAULT_TEMPLATE: &str = "code-interpreter-v1";
/// Port of the code-interpreter server inside the sandbox.
pub const CODE_INTERPRETER_PORT: u16 = 49999;

/// Everything the E2B backend needs to know. Build it with [`E2bConfig::from_env`],
/// [`E2bConfig::from_lookup`] or [`E2bConfig::new`] and adjust the public fields.
#[derive(Clone)]
pub struct E2bConfig {
    /// `E2B_API_KEY`, sent as `X-API-Key` on control-plane calls. Never logged.
    pub api_key: String,
    /// `E2B_DOMAIN` (default `e2b.app`): used for the data-plane host when the sandbox does
    /// not report its own domain.
    pub domain: String,
    /// Control-plane base URL: `E2B_API_URL`, else `https://api.<domain>`.
    pub api_url: String,
    /// `E2B_SANDBOX_URL`: data-plane base URL; sandboxes are then picked by the
    /// `E2b-Sandbox-Id` / `E2b-Sandbox-Port` headers. `None`: `https://49999-<id>.<domain>`.
    pub sandbox_url: Option<String>,
    /// Template to start (`PYWARDEN_E2B_TEMPLATE`, default `code-interpreter-v1`).
    pub template_id: String,
    /// Let the sandbox reach the internet (`PYWARDEN_E2B_ALLOW_INTERNET=1`; default false).
    pub allow_internet_access: bool,
    /// Sandbox lifetime = job timeout + this margin, so E2B reaps it even if our kill is lost.
    pub lifetime_margin: Duration,
    /// Attempts at `POST /sandboxes` when E2B answers 429/502/503/504 (at least 1).
    pub create_attempts: u32,
    /// First backoff delay; doubles per attempt, with full jitter (50–100 %).
    pub retry_base_delay: Duration,
    /// Upper bound of one backoff delay (also caps a server's `Retry-After`).
    pub retry_max_delay: Duration,
    /// Timeout of each control-plane request (create, kill, lifetime update).
    pub request_timeout: Duration,
    /// Connect timeout for both planes.
    pub connect_timeout: Duration,
    /// Metadata attached to every sandbox (shows up in E2B's dashboard and list API).
    pub metadata: BTreeMap<String, String>,
    /// Pre-created sandboxes kept warm (`PYWARDEN_E2B_POOL`, default 0 = create per run).
    /// Each pooled sandbox serves exactly one run and is then killed.
    pub pool_size: usize,
    /// Lifetime of an idle pooled sandbox; it is refreshed to the job's lifetime when taken.
    pub pool_idle_lifetime: Duration,
}

impl fmt::Debug for E2bConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("E2bConfig")
            .field("api_key", &"<redacted>")
            .field("domain", &self.domain)
            .field("api_url", &self.api_url)
            .field("sandbox_url", &self.sandbox_url)
            .field("template_id", &self.template_id)
            .field("allow_internet_access", &self.allow_internet_access)
            .field("lifetime_margin", &self.lifetime_margin)
            .field("create_attempts", &self.create_attempts)
            .field("retry_base_delay", &self.retry_base_delay)
            .field("retry_max_delay", &self.retry_max_delay)
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("metadata", &self.metadata)
            .field("pool_size", &self.pool_size)
            .field("pool_idle_lifetime", &self.pool_idle_lifetime)
            .finish()
    }
}

impl E2bConfig {
    /// A configuration for real E2B (`https://api.e2b.app`) with the given key and defaults.
    pub fn new(api_key: impl Into<String>) -> Self {
        let domain = DEFAULT_DOMAIN.to_string();
        Self {
            api_key: api_key.into(),
            api_url: format!("https://api.{domain}"),
            domain,
            sandbox_url: None,
            template_id: DEFAULT_TEMPLATE.to_string(),
            allow_internet_access: false,
            lifetime_margin: Duration::from_secs(30),
            create_attempts: 5,
            retry_base_delay: Duration::from_millis(250),
            retry_max_delay: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            metadata: BTreeMap::from([("pywarden".to_string(), "1".to_string())]),
            pool_size: 0,
            pool_idle_lifetime: Duration::from_secs(300),
        }
    }

    /// Reads the configuration from the process environment (see the module docs).
    pub fn from_env() -> Result<Self, SandboxError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (an environment stand-in, for tests and
    /// embedding). Missing or empty `E2B_API_KEY` is a [`SandboxError::Config`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SandboxError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let api_key = get("E2B_API_KEY").ok_or_else(|| {
            SandboxError::Config(
                "E2B_API_KEY is not set: the e2b backend needs an E2B API key \
                 (https://e2b.dev/dashboard → API keys); export E2B_API_KEY=e2b_..."
                    .to_string(),
            )
        })?;
        let mut cfg = Self::new(api_key);
        if let Some(domain) = get("E2B_DOMAIN") {
            cfg.api_url = format!("https://api.{domain}");
            cfg.domain = domain;
        }
        if let Some(url) = get("E2B_API_URL") {
            cfg.api_url = url;
        }
        cfg.sandbox_url = get("E2B_SANDBOX_URL");
        if let Some(t) = get("PYWARDEN_E2B_TEMPLATE") {
            cfg.template_id = t;
        }
        if let Some(v) = get("PYWARDEN_E2B_ALLOW_INTERNET") {
            cfg.allow_internet_access = parse_bool("PYWARDEN_E2B_ALLOW_INTERNET", &v)?;
        }
        if let Some(v) = get("PYWARDEN_E2B_POOL") {
            cfg.pool_size = v.parse().map_err(|_| {
                SandboxError::Config(format!(
                    "PYWARDEN_E2B_POOL must be a small non-negative integer, got {v:?}"
                ))
            })?;
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks what would otherwise fail later in a confusing way (bad URLs, a key that
    /// cannot be an HTTP header, an empty template).
    pub fn validate(&self) -> Result<(), SandboxError> {
        if self.api_key.is_empty() {
            return Err(SandboxError::Config("E2B API key is empty".to_string()));
        }
        if reqwest::header::HeaderValue::from_str(&self.api_key).is_err() {
            return Err(SandboxError::Config(
                "E2B_API_KEY contains characters that cannot be sent in an HTTP header".into(),
            ));
        }
        check_url("E2B_API_URL", &self.api_url)?;
        if let Some(url) = &self.sandbox_url {
            check_url("E2B_SANDBOX_URL", url)?;
        }
        if self.domain.is_empty() || self.domain.contains(['/', ' ', ':']) {
            return Err(SandboxError::Config(format!(
                "E2B_DOMAIN must be a bare host name like e2b.app, got {:?}",
                self.domain
            )));
        }
        if self.template_id.is_empty() {
            return Err(SandboxError::Config("E2B template id is empty".into()));
        }
        if self.pool_size > 64 {
            return Err(SandboxError::Config(format!(
                "E2B warm pool of {} sandboxes is too large (max 64): idle sandboxes are billed",
                self.pool_size
            )));
        }
        Ok(())
    }

    /// Data-plane base URL for a sandbox (no trailing slash).
    pub fn data_plane_url(&self, sandbox_id: &str, sandbox_domain: Option<&str>) -> String {
        match &self.sandbox_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => {
                let domain = sandbox_domain
                    .filter(|d| !d.is_empty())
                    .unwrap_or(&self.domain);
                format!("https://{CODE_INTERPRETER_PORT}-{sandbox_id}.{domain}")
            }
        }
    }
}

fn check_url(name: &str, url: &str) -> Result<(), SandboxError> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        _ => Err(SandboxError::Config(format!(
            "{name} must be an http(s) URL, got {url:?}"
        ))),
    }
}

fn parse_bool(name: &str, v: &str) -> Result<bool, SandboxError> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(SandboxError::Config(format!(
            "{name} must be true or false, got {v:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn missing_key_is_a_clear_config_error() {
        let err = E2bConfig::from_lookup(lookup(&[])).unwrap_err();
        assert!(matches!(err, SandboxError::Config(ref m) if m.contains("E2B_API_KEY")));
        let err = E2bConfig::from_lookup(lookup(&[("E2B_API_KEY", "  ")])).unwrap_err();
        assert!(matches!(err, SandboxError::Config(_)));
    }

    #[test]
    fn sdk_names_are_honoured() {
        let cfg = E2bConfig::from_lookup(lookup(&[
            ("E2B_API_KEY", "e2b_secretsecret"),
            ("E2B_DOMAIN", "e2b.example.org"),
        ]))
        .unwrap();
        assert_eq!(cfg.api_url, "https://api.e2b.example.org");
        assert_eq!(
            cfg.data_plane_url("sbx1", None),
            "https://49999-sbx1.e2b.example.org"
        );
        assert_eq!(
            cfg.data_plane_url("sbx1", Some("other.dev")),
            "https://49999-sbx1.other.dev"
        );
        let cfg = E2bConfig::from_lookup(lookup(&[
            ("E2B_API_KEY", "e2b_secretsecret"),
            ("E2B_API_URL", "http://127.0.0.1:9/"),
            ("E2B_SANDBOX_URL", "http://127.0.0.1:10/"),
            ("PYWARDEN_E2B_TEMPLATE", "my-template"),
            ("PYWARDEN_E2B_ALLOW_INTERNET", "true"),
            ("PYWARDEN_E2B_POOL", "2"),
        ]))
        .unwrap();
        assert_eq!(cfg.api_url, "http://127.0.0.1:9/");
        assert_eq!(cfg.data_plane_url("x", None), "http://127.0.0.1:10");
        assert_eq!(cfg.template_id, "my-template");
        assert!(cfg.allow_internet_access);
        assert_eq!(cfg.pool_size, 2);
    }

    #[test]
    fn defaults_are_conservative() {
        let cfg = E2bConfig::new("k");
        assert!(!cfg.allow_internet_access);
        assert_eq!(cfg.template_id, "code-interpreter-v1");
        assert_eq!(cfg.metadata.get("pywarden").map(String::as_str), Some("1"));
        assert_eq!(cfg.pool_size, 0);
    }

    #[test]
    fn bad_values_are_rejected() {
        for vars in [
            &[("E2B_API_KEY", "k"), ("E2B_API_URL", "not a url")][..],
            &[("E2B_API_KEY", "k"), ("E2B_SANDBOX_URL", "ftp://x")][..],
            &[("E2B_API_KEY", "k"), ("E2B_DOMAIN", "https://e2b.app")][..],
            &[
                ("E2B_API_KEY", "k"),
                ("PYWARDEN_E2B_ALLOW_INTERNET", "maybe"),
            ][..],
            &[("E2B_API_KEY", "k"), ("PYWARDEN_E2B_POOL", "-1")][..],
            &[("E2B_API_KEY", "k\u{7f}x")][..],
        ] {
            assert!(
                matches!(
                    E2bConfig::from_lookup(lookup(vars)),
                    Err(SandboxError::Config(_))
                ),
                "{vars:?}"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let cfg = E2bConfig::new("e2b_topsecretvalue");
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains("topsecret"), "{dbg}");
        assert!(dbg.contains("<redacted>"));
    }
}
