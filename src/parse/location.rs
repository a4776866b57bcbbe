//! Source locations: byte offsets → 1-based line and column (in characters, as editors and
//! CPython's tracebacks count them).
//!
//! Lookups are O(log lines) for ASCII lines and O(4 KiB) for non-ASCII ones (a per-line table
//! of character counts every 4 KiB is built on first use), so a hostile megabyte-long line with
//! a fact every few bytes cannot make locating quadratic.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::facts::Location;

/// Bytes between two character-count checkpoints of a long non-ASCII line.
const STEP: usize = 4096;

/// Line-start table of one source text.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<u32>,
    /// Per line: 0 = not yet known, 1 = ASCII, 2 = not ASCII.
    ascii: RefCell<Vec<u8>>,
    /// Long non-ASCII lines: (byte offset, characters before it) every ~[`STEP`] bytes.
    checkpoints: RefCell<HashMap<usize, Vec<(usize, usize)>>>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text` (one pass, `memchr`).
    pub fn new(text: &'a str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        let lines = starts.len();
        Self {
            text,
            starts,
            ascii: RefCell::new(vec![0; lines]),
            checkpoints: RefCell::new(HashMap::new()),
        }
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn lines(&self) -> u32 {
        let n = self.starts.len() as u32;
        if self.text.ends_with('\n') { n - 1 } else { n }
    }

    fn line_end(&self, line: usize) -> usize {
        self.starts
            .get(line + 1)
            .map_or(self.text.len(), |&s| s as usize)
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
        let line = self.starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.starts[line] as usize;
        let ascii = {
            let mut a = self.ascii.borrow_mut();
            if a[line] == 0 {
                let end = self.line_end(line);
                a[line] = if self.text.as_bytes()[start..end].is_ascii() {
                    1
                } else {
                    2
                };
            }
            a[line] == 1
        };
        let column = if ascii {
            offset - start
        } else if offset - start <= STEP {
            count_chars(self.text, start, offset)
        } else {
            let mut cps = self.checkpoints.borrow_mut();
            let table = cps.entry(line).or_insert_with(|| {
                let end = self.line_end(line);
                let mut t = vec![(start, 0)];
                let (mut at, mut chars) = (start, 0);
                while at + STEP < end {
                    let mut next = at + STEP;
                    while !self.text.is_char_boundary(next) {
                        next -= 1;
                    }
                    chars += count_chars(self.text, at, next);
                    at = next;
                    t.push((at, chars));
                }
                t
            });
            let k = table.partition_point(|&(b, _)| b <= offset) - 1;
            let (b, c) = table[k];
            c + count_chars(self.text, b, offset)
        };
        Location {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }
}

/// Characters in `text[from..to]` (`to` rounded down to a character boundary).
fn count_chars(text: &str, from: usize, mut to: usize) -> usize {
    while to > from && !text.is_char_boundary(to) {
        to -= 1;
    }
    text.get(from..to).map_or(0, |s| s.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_non_ascii_line() {
        let line = "é".repeat(10_000) + "x";
        let text = format!("a\n{line}\n");
        let idx = LineIndex::new(&text);
        let x = text.find('x').unwrap();
        assert_eq!(
            idx.location(x),
            Location {
                line: 2,
                column: 10_001
            }
        );
        assert_eq!(
            idx.location(2 + 2 * 5000),
            Location {
                line: 2,
                column: 5001
            }
        );
        assert_eq!(idx.location(0), Location { line: 1, column: 1 });
        assert_eq!(idx.location(text.len()), Location { line: 3, column: 1 });
    }
}
