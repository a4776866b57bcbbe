//! Source stage: turns user-supplied paths into units of Python source — `.py` files,
//! directories (recursive, honouring `.gitignore`), Markdown/text files whose fenced
//! ```` ```python ```` blocks are each one unit, and stdin.
//!
//! Discovery ([`discover`]) only lists inputs, so reading can happen in parallel afterwards
//! ([`Input::read`]). A path given on the command line that does not exist is an error; a file
//! that exists but cannot be read becomes a unit-level error for the checker to report.
//!
//! ```
//! use pywarden::source::markdown_units;
//! let md = "Here you go:\n\n```python\nprint('hi')\n```\n";
//! let units = markdown_units("answer.md", md);
//! assert_eq!(units.len(), 1);
//! assert_eq!(units[0].bytes, b"print('hi')\n");
//! assert_eq!(units[0].line_offset, 3); // code line 1 is line 4 of answer.md
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

mod markdown;

pub use markdown::markdown_units;

/// One unit of Python source to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceUnit {
    /// Display path (`a.py`, `answer.md`, `-` for stdin).
    pub path: String,
    /// Raw bytes as read (decoding and its errors belong to the parse stage).
    pub bytes: Vec<u8>,
    /// Line in `path` where this unit starts, minus one (0 for whole files; for a Markdown
    /// fence, the line of the fence), so reported lines point into the original file.
    pub line_offset: u32,
}

/// How an input's contents are split into units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The whole file is one Python unit.
    Python,
    /// Markdown or text: each ```` ```python ```` / ```` ```py ```` fence is a unit.
    Markdown,
}

/// One discovered input: a file or stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File {
        path: PathBuf,
        kind: Kind,
    },
    /// `-`: Python, or Markdown when it holds a ```` ```python ```` fence.
    Stdin,
}

/// Extensions read as Markdown/text (fences are units) when a path names such a file.
const MARKDOWN_EXTENSIONS: &[&str] = &["md", "markdown", "mdx", "txt", "rst"];

/// Extensions read as Python in a directory walk.
const PYTHON_EXTENSIONS: &[&str] = &["py", "pyw"];

fn kind_of(path: &Path) -> Kind {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if MARKDOWN_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) => {
            Kind::Markdown
        }
        _ => Kind::Python,
    }
}

/// An input path that cannot be used at all (does not exist, walk failure).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SourceError {
    pub path: String,
    pub message: String,
}

/// Lists the inputs named by `paths`: files as given (Markdown by extension, otherwise
/// Python), directories walked recursively for `.py` files honouring `.gitignore`,
/// `.ignore` and hidden-file conventions (like ripgrep and ruff), `-` for stdin. Directory
/// walks are sorted, so output order is stable.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>, SourceError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| SourceError {
            path: p.display().to_string(),
            message: io_message(&e),
        })?;
        if meta.is_dir() {
            walk_dir(p, &mut out)?;
        } else {
            out.push(Input::File {
                path: p.clone(),
                kind: kind_of(p),
            });
        }
    }
    Ok(out)
}

fn walk_dir(dir: &Path, out: &mut Vec<Input>) -> Result<(), SourceError> {
    let walker = ignore::WalkBuilder::new(dir)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| SourceError {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if PYTHON_EXTENSIONS.contains(&ext) {
            out.push(Input::File {
                path: path.to_path_buf(),
                kind: Kind::Python,
            });
        }
    }
    Ok(())
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// An input that exists but could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub path: String,
    pub message: String,
}

impl Input {
    /// The display path (`-` for stdin).
    pub fn display(&self) -> String {
        match self {
            Input::File { path, .. } => display_path(path),
            Input::Stdin => "-".to_string(),
        }
    }

    /// Reads the input and splits it into units (one for Python, one per fence for Markdown —
    /// possibly none). Reading stdin consumes it.
    pub fn read(&self) -> Result<Vec<SourceUnit>, ReadError> {
        let path = self.display();
        let (bytes, kind) = match self {
            Input::File { path: p, kind } => {
                let bytes = std::fs::read(p).map_err(|e| ReadError {
                    path: path.clone(),
                    message: io_message(&e),
                })?;
                (bytes, *kind)
            }
            Input::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut bytes)
                    .map_err(|e| ReadError {
                        path: path.clone(),
                        message: io_message(&e),
                    })?;
                let kind = if markdown::has_python_fence(&bytes) {
                    Kind::Markdown
                } else {
                    Kind::Python
                };
                (bytes, kind)
            }
        };
        Ok(units_of(path, bytes, kind))
    }
}

/// Splits already-read contents into units.
pub fn units_of(path: String, bytes: Vec<u8>, kind: Kind) -> Vec<SourceUnit> {
    match kind {
        Kind::Python => vec![SourceUnit {
            path,
            bytes,
            line_offset: 0,
        }],
        Kind::Markdown => {
            let text = String::from_utf8_lossy(&bytes);
            markdown_units(&path, &text)
        }
    }
}

/// `./a.py` → `a.py`: the path as users expect to see it (and SARIF wants it, relative).
fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    let mut s: &str = &s;
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}
