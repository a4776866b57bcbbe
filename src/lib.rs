//! pywarden: a gate for Python code that an LLM wrote.
//!
//! The crate is organised as the pipeline it implements, one module per stage, data flowing
//! one way:
//!
//! ```text
//! source → parse → facts → policy (verdict) → sandbox (run) → redact → ExecutionResult
//! ```
//!
//! * [`source`] reads input units (files, directories, stdin, Markdown fences).
//! * [`parse`] parses with `ruff_python_parser` under size and depth guards.
//! * [`facts`] turns the syntax tree into the facts document that policies receive.
//! * [`policy`] evaluates Rego policies (`regorus`) over the facts into a [`policy::Verdict`].
//! * [`check`] chains source → parse → facts → verdict for one unit (what `pywarden check` does).
//! * [`sandbox`] runs code that passed: the local Landlock + seccomp + rlimits backend or E2B.
//! * [`redact`] removes secrets and personal data from text (execution output, JSONL batches).
//! * [`executor`] is the whole pipeline end to end: [`executor::CodeExecutor`].
//! * [`report`] renders check results as text, JSON or SARIF.
//! * [`server`] is the HTTP API (`pywarden serve`), a thin shell over the same calls.

pub mod check;
pub mod executor;
pub mod facts;
pub mod parse;
pub mod policy;
pub mod redact;
pub mod report;
pub mod sandbox;
pub mod server;
pub mod source;
