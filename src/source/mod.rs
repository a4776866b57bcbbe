//! Source stage: turns user-supplied paths into units of Python source — `.py` files,
//! directories (recursive, honouring `.gitignore`), Markdown/text files whose fenced
//! ```` ```python ```` blocks are each one unit, and stdin.

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
