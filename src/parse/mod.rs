//! Parse stage: guarded parsing of Python source with `ruff_python_parser`.
//!
//! Guards: an input-size cap, rejection of NUL bytes and non-UTF-8 source-encoding
//! declarations, and a nesting-depth limit, so hostile input yields a located [`ParseError`]
//! and never a crash or a hang. Parsing, walking and dropping the tree happen on a thread with a
//! known large stack (see [`with_big_stack`]).

use serde::Serialize;

/// Why a unit could not be parsed (syntax error, limit exceeded, bad encoding...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{kind}: {message} at {line}:{column}")]
pub struct ParseError {
    /// `syntax-error`, `too-large`, `too-deep`, `nul-byte`, `encoding`, ...
    pub kind: String,
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// Limits applied before and during parsing and the facts walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted source in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of expressions and blocks.
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 4 * 1024 * 1024,
            max_depth: 200,
        }
    }
}
