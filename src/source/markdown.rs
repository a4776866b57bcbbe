//! Markdown / text sources: every fenced code block whose info string names Python
//! (```` ```python ````, ```` ```py ````, ```` ~~~python3 ````) is one unit. LLM answers look
//! like that. Lines are kept relative to the file through [`SourceUnit::line_offset`].

use super::SourceUnit;

/// Info-string languages that mark a Python block (first word, case-insensitive).
const PYTHON_TAGS: &[&str] = &["python", "py", "python3", "py3", "{python}", "{.python}"];

struct Fence {
    ch: char,
    len: usize,
    indent: usize,
}

/// Parses an opening or closing fence line: up to 3 spaces, then 3+ backticks or tildes.
fn fence_of(line: &str) -> Option<(Fence, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let ch = rest.chars().next()?;
    if ch != '`' && ch != '~' {
        return None;
    }
    let len = rest.chars().take_while(|c| *c == ch).count();
    if len < 3 {
        return None;
    }
    let info = &rest[len..];
    if ch == '`' && info.contains('`') {
        return None;
    }
    Some((Fence { ch, len, indent }, info.trim()))
}

fn is_python_info(info: &str) -> bool {
    let first = info
        .split(|c: char| c.is_whitespace() || c == ',')
        .next()
        .unwrap_or("");
    PYTHON_TAGS.contains(&first.to_ascii_lowercase().as_str())
}

/// True when `bytes` contain at least one Python fence (used to sniff stdin).
pub(crate) fn has_python_fence(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .any(|l| fence_of(l).is_some_and(|(_, info)| is_python_info(info)))
}

/// The Python fences of a Markdown/text document, each a unit whose `line_offset` is the
/// fence's line. An unterminated fence runs to the end of the document (as CommonMark says).
pub fn markdown_units(path: &str, text: &str) -> Vec<SourceUnit> {
    let mut units = Vec::new();
    let mut open: Option<(Fence, bool, u32, String)> = None;
    for (idx, line) in text.split_inclusive('\n').enumerate() {
        let line_no = idx as u32 + 1;
        let bare = line.trim_end_matches(['\n', '\r']);
        match &mut open {
            None => {
                if let Some((fence, info)) = fence_of(bare) {
                    let python = is_python_info(info);
                    open = Some((fence, python, line_no, String::new()));
                }
            }
            Some((fence, python, start, body)) => {
                let closes = fence_of(bare).is_some_and(|(f, info)| {
                    f.ch == fence.ch && f.len >= fence.len && info.is_empty()
                });
                if closes {
                    if *python {
                        units.push(SourceUnit {
                            path: path.to_string(),
                            bytes: std::mem::take(body).into_bytes(),
                            line_offset: *start,
                        });
                    }
                    open = None;
                } else if *python {
                    // Remove up to the fence's indentation from content lines.
                    let strip = line
                        .chars()
                        .take(fence.indent)
                        .take_while(|c| *c == ' ')
                        .count();
                    body.push_str(&line[strip..]);
                }
            }
        }
    }
    if let Some((_, true, start, body)) = open {
        units.push(SourceUnit {
            path: path.to_string(),
            bytes: body.into_bytes(),
            line_offset: start,
        });
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_python_blocks_and_a_shell_block() {
        let md =
            "# Answer\n```python\na = 1\n```\n\n```bash\nrm -rf /\n```\n~~~py\nb = 2\nc = 3\n~~~\n";
        let units = markdown_units("x.md", md);
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].bytes, b"a = 1\n");
        assert_eq!(units[0].line_offset, 2);
        assert_eq!(units[1].bytes, b"b = 2\nc = 3\n");
        assert_eq!(units[1].line_offset, 9);
    }

    #[test]
    fn longer_fence_contains_shorter_one() {
        let md = "````python\nx = '''\n```\n'''\n````\n";
        let units = markdown_units("x.md", md);
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].bytes, b"x = '''\n```\n'''\n");
    }

    #[test]
    fn indented_fence_strips_indent() {
        let md = "1. step\n   ```python\n   if x:\n       y()\n   ```\n";
        let units = markdown_units("x.md", md);
        assert_eq!(units[0].bytes, b"if x:\n    y()\n");
    }

    #[test]
    fn unterminated_fence_runs_to_end() {
        let units = markdown_units("x.md", "```py\nz = 1\n");
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].bytes, b"z = 1\n");
    }

    #[test]
    fn no_fences_no_units() {
        assert!(markdown_units("x.md", "just text\n```\nplain\n```\n").is_empty());
        assert!(!has_python_fence(b"print('no fence')\n"));
        assert!(has_python_fence(b"text\n```python\nx\n```\n"));
    }
}
