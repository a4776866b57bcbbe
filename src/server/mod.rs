//! HTTP API (`pywarden serve`): a thin axum shell over the same library calls as the CLI, with
//! API keys, per-user quotas and durable execution records.
