//! Source locations: byte offsets → 1-based line and column (in characters, as editors and
//! CPython's tracebacks count them).

use crate::facts::Location;

/// Line-start table of one source text.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<u32>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text` (one pass, `memchr`).
    pub fn new(text: &'a str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        Self { text, starts }
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn lines(&self) -> u32 {
        let n = self.starts.len() as u32;
        if self.text.ends_with('\n') { n - 1 } else { n }
    }

    /// The 1-based line and character column of byte `offset` (clamped to the text).
    ///
    /// ```
    /// let idx = pywarden::parse::LineIndex::new("ab\nçd");
    /// let loc = idx.location(5);
    /// assert_eq!((loc.line, loc.column), (2, 2));
    /// ```
    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s as usize <= offset);
        let start = self.starts[line - 1] as usize;
        let slice = self.text.get(start..offset).unwrap_or("");
        let column = if slice.is_ascii() {
            slice.len()
        } else {
            slice.chars().count()
        };
        Location {
            line: line as u32,
            column: column as u32 + 1,
        }
    }
}
