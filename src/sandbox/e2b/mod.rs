//! E2B backend: forwards gated code to E2B Firecracker microVMs over E2B's wire protocol.
//! (Issue 5.)
//!
//! TEMPORARY STUB from the `sandbox` branch so that `pywarden run --backend e2b` compiles
//! before the `e2b` branch is merged; the `e2b` branch's version of this file replaces it.

use futures_util::future::BoxFuture;

use crate::sandbox::{Backend, Job, RunOutput, SandboxError};

/// Placeholder for the E2B backend (see the `e2b` branch).
pub struct E2bBackend {
    _private: (),
}

impl E2bBackend {
    /// Reads `E2B_API_KEY`, `E2B_DOMAIN`, ... (stub: always a configuration error).
    pub fn from_env() -> Result<E2bBackend, SandboxError> {
        Err(SandboxError::Config(
            "the E2B backend is not part of this build yet".into(),
        ))
    }
}

impl Backend for E2bBackend {
    fn name(&self) -> &'static str {
        "e2b"
    }

    fn run<'a>(&'a self, _job: &'a Job) -> BoxFuture<'a, Result<RunOutput, SandboxError>> {
        Box::pin(async { Err(SandboxError::Config("E2B backend stub".into())) })
    }
}
