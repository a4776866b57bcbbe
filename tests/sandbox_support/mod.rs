//! Shared by the local-backend suites (`sandbox_local.rs`, `sandbox_guards.rs`,
//! `sandbox_containment.rs`), which run twice: as their own test crates with cold-started runs,
//! and as modules of `sandbox_forkserver.rs` with every run forked. Each crate root says which
//! with a `FORK_SERVER` constant.

use pywarden::sandbox::local::LocalOptions;

/// The backend options of a suite: the defaults, with the fork server as the crate says.
pub fn options() -> LocalOptions {
    LocalOptions {
        fork_server: crate::FORK_SERVER,
        ..LocalOptions::default()
    }
}
