//! E2B backend: forwards gated code to E2B Firecracker microVMs over E2B's wire protocol.
//! (Issue 5.)
