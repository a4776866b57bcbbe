//! Parse stage: guarded parsing of Python source with `ruff_python_parser`.
//!
//! Guards, in the order they run:
//! 1. an input-size cap (`too-large`);
//! 2. decoding ([`decode`]): UTF-8 only (a leading BOM is accepted), NUL bytes are refused
//!    (`nul-byte`), invalid UTF-8 and PEP 263 declarations that would make CPython decode the
//!    file differently from what we analyse are refused (`encoding`);
//! 3. a cheap lexical pre-scan ([`prescan`]) that refuses more than 200 nested brackets and more
//!    than 100 indentation levels — CPython's own limits — before a tree is ever built;
//! 4. the parser (`syntax-error`, located 1-based), for the Python version pywarden runs
//!    ([`Limits::python_version`], default 3.11): syntax that only a later Python accepts
//!    (`type X = int`, `def f[T]()`, PEP 701 f-strings...) is a syntax error too, as it is for
//!    that interpreter, and the message names the version;
//! 5. an explicit depth limit in the facts walk (`too-deep`, [`Limits::max_depth`]).
//!
//! Stack overflows abort the process (they are not catchable panics), and the parser can still
//! build very deep trees from bracket-free chains (`- - - x`, `a.b.c...`, `a+a+a...`). So parsing,
//! walking and *dropping* the tree all happen on a thread whose stack is sized from the input
//! length ([`with_big_stack`], [`stack_size_for`]): a tree can never be deeper than the source is
//! long, so the stack always suffices.

mod decode;
mod fstring311;
mod location;
mod prescan;

pub use decode::{Decoded, decode};
pub use location::LineIndex;
pub use prescan::prescan;

use ruff_python_ast::{ModModule, PythonVersion};
use serde::Serialize;

/// Why a unit could not be parsed (syntax error, limit exceeded, bad encoding...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{kind}: {message} at {line}:{column}")]
pub struct ParseError {
    /// `syntax-error`, `too-large`, `too-deep`, `nul-byte`, `encoding`, `internal`, ...
    pub kind: String,
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl ParseError {
    /// Builds an error of `kind` at a 1-based `line`/`column`.
    pub fn new(kind: &str, message: impl Into<String>, line: u32, column: u32) -> Self {
        Self {
            kind: kind.to_string(),
            message: message.into(),
            line,
            column,
        }
    }
}

/// Limits applied before and during parsing and the facts walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted source in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of expressions and blocks (combined depth of the facts walk).
    pub max_depth: u32,
    /// Most nested brackets accepted by the pre-scan (CPython: 200).
    pub max_brackets: u32,
    /// Most indentation levels accepted by the pre-scan (CPython: 100).
    pub max_indent: u32,
    /// Most right-recursive operators (`**`, `lambda`, inline `if`) in one logical line.
    pub max_chain: u32,
    /// The Python version whose grammar decides what is a syntax error: the interpreter
    /// pywarden runs (3.11). `gate.python_version` in the policy data overrides it.
    pub python_version: PythonVersion,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 4 * 1024 * 1024,
            max_depth: 200,
            max_brackets: 200,
            max_indent: 100,
            max_chain: 1000,
            python_version: PythonVersion::PY311,
        }
    }
}

/// Parses already decoded and pre-scanned `text` as a module for [`Limits::default`]'s Python
/// version; syntax errors are mapped to 1-based line/column.
///
/// Call this on a thread from [`with_big_stack`]: the returned tree may be deep, and dropping a
/// deep tree recurses.
pub fn parse_module(text: &str, index: &LineIndex) -> Result<ModModule, ParseError> {
    parse_module_for(text, index, Limits::default().python_version)
}

/// [`parse_module`] for Python `version`: code that needs a later version (`type X = int` on
/// 3.11) is a `syntax-error` whose message names both versions. Every syntax-error message
/// says which version it was parsed as.
///
/// ```
/// use pywarden::parse::{LineIndex, parse_module_for};
/// use ruff_python_ast::PythonVersion;
/// let src = "type X = int\n";
/// let e = parse_module_for(src, &LineIndex::new(src), PythonVersion::PY311).unwrap_err();
/// assert!(e.message.contains("Python 3.11"), "{}", e.message);
/// assert!(parse_module_for(src, &LineIndex::new(src), PythonVersion::PY312).is_ok());
/// ```
pub fn parse_module_for(
    text: &str,
    index: &LineIndex,
    version: PythonVersion,
) -> Result<ModModule, ParseError> {
    use ruff_python_parser::{Mode, ParseOptions};
    let options = ParseOptions::from(Mode::Module).with_target_version(version);
    let parsed = ruff_python_parser::parse_unchecked(text, options);
    let located = |offset: usize, message: String| {
        let loc = index.location(offset);
        ParseError::new("syntax-error", message, loc.line, loc.column)
    };
    if let Some(e) = parsed.errors().first() {
        return Err(located(
            e.location.start().to_usize(),
            format!("{} (parsing as Python {version})", e.error),
        ));
    }
    if let Some(e) = parsed.unsupported_syntax_errors().first() {
        // Already names both versions: "... on Python 3.11 (syntax was added in Python 3.12)".
        return Err(located(e.range.start().to_usize(), e.to_string()));
    }
    match parsed.try_into_module() {
        Some(module) => {
            let legacy = (version < PythonVersion::PY312
                && fstring311::may_have_errors(module.tokens(), text))
            .then(|| fstring311::check(module.syntax(), text))
            .flatten();
            if let Some((at, message)) = legacy {
                return Err(located(
                    at,
                    format!("{message} (parsing as Python {version})"),
                ));
            }
            Ok(module.into_syntax())
        }
        None => Err(ParseError::new(
            "internal",
            "the parser returned an expression for a module",
            1,
            1,
        )),
    }
}

/// Stack size used for a unit of `len` bytes: 64 MiB, or 512 bytes per source byte when that
/// is more (a tree is never deeper than its source is long; a level of recursive drop or parse
/// costs well under 512 bytes of stack even in debug builds). The memory is only reserved:
/// pages are touched when a deep input actually needs them.
pub fn stack_size_for(len: usize) -> usize {
    (64 << 20).max(len.saturating_mul(512)).min(4 << 30)
}

/// Runs `f` on a fresh thread with a `stack_size`-byte stack and returns its result.
///
/// A panic inside `f` becomes an `internal` [`ParseError`] instead of unwinding into the caller;
/// if the thread cannot be created the error is `internal` too.
pub fn with_big_stack<T: Send>(
    stack_size: usize,
    f: impl FnOnce() -> Result<T, ParseError> + Send,
) -> Result<T, ParseError> {
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("pywarden-parse".into())
            .stack_size(stack_size)
            .spawn_scoped(s, f)
            .map_err(|e| {
                ParseError::new("internal", format!("cannot start parse thread: {e}"), 1, 1)
            })?;
        handle.join().unwrap_or_else(|_| {
            Err(ParseError::new(
                "internal",
                "the analyser panicked on this input",
                1,
                1,
            ))
        })
    })
}
