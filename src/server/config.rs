//! Server configuration: the YAML file given to `pywarden serve --config` (see
//! `examples/serve.yaml`), with defaults that make `pywarden serve` work with no file at all.
//!
//! Every field is optional; unknown fields are an error (a typo in a quota name must not
//! silently leave the quota at its default).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::sandbox::SandboxConfig;

/// Which sandbox backend runs admitted code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Local,
    E2b,
}

impl BackendKind {
    /// The name used in `ExecutionResult.backend` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Local => "local",
            BackendKind::E2b => "e2b",
        }
    }
}

/// Per-user quota limits (per key, or the defaults for keys created without explicit limits).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuotaLimits {
    /// Executions per UTC day.
    pub daily_executions: u64,
    /// Sandbox CPU seconds per UTC day (admission needs some left; usage is settled after).
    pub daily_cpu_seconds: f64,
    /// Executions of one user running (or queued) at the same time.
    pub max_concurrent: u32,
}

impl Default for QuotaLimits {
    fn default() -> Self {
        Self {
            daily_executions: 1000,
            daily_cpu_seconds: 600.0,
            max_concurrent: 4,
        }
    }
}

/// Sandbox defaults and the bounds a request may ask for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxDefaults {
    /// Wall-clock limit when the request names none.
    pub timeout_seconds: f64,
    /// Largest `timeout_seconds` a request may ask for.
    pub max_timeout_seconds: f64,
    /// Address-space limit when the request names none.
    pub memory_mb: u64,
    /// Largest `memory_mb` a request may ask for.
    pub max_memory_mb: u64,
    /// Output cap when the request names none (also its upper bound).
    pub max_output_bytes: usize,
    /// Run even when the kernel cannot enforce the whole sandbox.
    pub allow_weaker_sandbox: bool,
    /// Local backend: fork each run from a fork server (one sandboxed interpreter started
    /// once; each child under its own Landlock layer) instead of starting an interpreter per
    /// run. Default true; false starts every run cold (from the warm pool).
    pub fork_server: bool,
}

impl Default for SandboxDefaults {
    fn default() -> Self {
        let d = SandboxConfig::default();
        Self {
            timeout_seconds: d.timeout.as_secs_f64(),
            max_timeout_seconds: 30.0,
            memory_mb: d.max_memory_mb,
            max_memory_mb: 1024,
            max_output_bytes: d.max_output_bytes,
            allow_weaker_sandbox: d.allow_weaker_sandbox,
            fork_server: true,
        }
    }
}

impl SandboxDefaults {
    /// The sandbox configuration for a request with no overrides.
    pub fn base(&self) -> SandboxConfig {
        SandboxConfig {
            timeout: Duration::from_secs_f64(self.timeout_seconds),
            max_memory_mb: self.memory_mb,
            max_output_bytes: self.max_output_bytes,
            allow_weaker_sandbox: self.allow_weaker_sandbox,
            ..SandboxConfig::default()
        }
    }
}

/// Request-size and concurrency limits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Largest `code` (or `text` for `/v1/redact`) in bytes (413 beyond).
    pub max_code_bytes: usize,
    /// Executions running at once across all users; 0 means the number of CPUs.
    pub max_concurrent_executions: usize,
    /// How long an admitted execution may wait for a free slot before a 503.
    pub queue_timeout_seconds: f64,
    /// Largest page of `GET /v1/executions`.
    pub max_page_size: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_code_bytes: 256 * 1024,
            max_concurrent_executions: 0,
            queue_timeout_seconds: 10.0,
            max_page_size: 100,
        }
    }
}

impl Limits {
    /// The number of execution slots (resolving 0 to the CPU count).
    pub fn execution_slots(&self) -> usize {
        if self.max_concurrent_executions > 0 {
            self.max_concurrent_executions
        } else {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        }
    }
}

/// The whole server configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// SQLite database file (keys, usage, execution records).
    pub db: PathBuf,
    /// Quotas for keys created without explicit limits.
    pub default_quotas: QuotaLimits,
    pub sandbox: SandboxDefaults,
    pub limits: Limits,
    pub backend: BackendKind,
    /// Policy directory (`None`: the embedded defaults).
    pub policy_dir: Option<PathBuf>,
    /// Extra policy data files (YAML).
    pub policy_data: Vec<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: PathBuf::from("pywarden.db"),
            default_quotas: QuotaLimits::default(),
            sandbox: SandboxDefaults::default(),
            limits: Limits::default(),
            backend: BackendKind::Local,
            policy_dir: None,
            policy_data: Vec::new(),
        }
    }
}

impl ServerConfig {
    /// Parses a YAML document and validates it.
    pub fn from_yaml(text: &str) -> anyhow::Result<Self> {
        let cfg: ServerConfig = if text.trim().is_empty() {
            ServerConfig::default()
        } else {
            serde_yaml::from_str(text)?
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads and parses a YAML configuration file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Self::from_yaml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Rejects values that cannot work (zero limits, timeouts out of range).
    pub fn validate(&self) -> anyhow::Result<()> {
        let s = &self.sandbox;
        let finite_pos = |v: f64| v.is_finite() && v > 0.0 && v <= 86_400.0;
        anyhow::ensure!(
            finite_pos(s.timeout_seconds) && finite_pos(s.max_timeout_seconds),
            "sandbox timeouts must be between 0 and 86400 seconds"
        );
        anyhow::ensure!(
            s.timeout_seconds <= s.max_timeout_seconds,
            "sandbox.timeout_seconds exceeds sandbox.max_timeout_seconds"
        );
        anyhow::ensure!(
            s.memory_mb > 0 && s.memory_mb <= s.max_memory_mb,
            "sandbox.memory_mb must be positive and at most sandbox.max_memory_mb"
        );
        anyhow::ensure!(
            s.max_output_bytes > 0,
            "sandbox.max_output_bytes must be positive"
        );
        let l = &self.limits;
        anyhow::ensure!(
            l.max_body_bytes > 0,
            "limits.max_body_bytes must be positive"
        );
        anyhow::ensure!(
            l.max_code_bytes > 0,
            "limits.max_code_bytes must be positive"
        );
        anyhow::ensure!(
            finite_pos(l.queue_timeout_seconds),
            "limits.queue_timeout_seconds must be between 0 and 86400"
        );
        anyhow::ensure!(l.max_page_size > 0, "limits.max_page_size must be positive");
        let q = &self.default_quotas;
        anyhow::ensure!(
            q.daily_cpu_seconds.is_finite() && q.daily_cpu_seconds >= 0.0,
            "default_quotas.daily_cpu_seconds must be a non-negative number"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_document_gives_defaults() {
        assert_eq!(
            ServerConfig::from_yaml("").unwrap(),
            ServerConfig::default()
        );
    }

    #[test]
    fn example_file_parses() {
        let text = include_str!("../../examples/serve.yaml");
        let cfg = ServerConfig::from_yaml(text).unwrap();
        assert_eq!(cfg.backend, BackendKind::Local);
        assert_eq!(cfg.default_quotas.daily_executions, 1000);
        assert!(cfg.sandbox.fork_server);
    }

    #[test]
    fn the_fork_server_is_on_unless_switched_off() {
        assert!(ServerConfig::default().sandbox.fork_server);
        let cfg = ServerConfig::from_yaml("sandbox:\n  fork_server: false\n").unwrap();
        assert!(!cfg.sandbox.fork_server);
    }

    #[test]
    fn unknown_field_is_an_error() {
        let err = ServerConfig::from_yaml("default_quotas:\n  daily_execs: 5\n").unwrap_err();
        assert!(err.to_string().contains("daily_execs"), "{err}");
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(ServerConfig::from_yaml("sandbox:\n  timeout_seconds: 0\n").is_err());
        assert!(ServerConfig::from_yaml("sandbox:\n  timeout_seconds: 60\n").is_err());
        assert!(ServerConfig::from_yaml("backend: docker\n").is_err());
        let cfg = ServerConfig::from_yaml("backend: e2b\nlisten: 0.0.0.0:9000\n").unwrap();
        assert_eq!(cfg.backend, BackendKind::E2b);
        assert_eq!(cfg.listen.port(), 9000);
    }
}
