//! Lexical pre-scan: refuses absurd nesting before a syntax tree is built.
//!
//! One linear pass over the text that skips comments and string literals and counts bracket
//! nesting (CPython refuses more than 200: "too many nested parentheses") and indentation levels
//! (CPython refuses more than 100: "too many levels of indentation"). Inside f-/t-strings the
//! replacement fields may hold expressions, so their brackets are counted too (an
//! over-approximation that only matters for absurd inputs). It also refuses runs of more than
//! [`Limits::max_depth`] prefix operators (`- - - x`, `not not x`) and logical lines with more
//! than [`Limits::max_chain`] `**`, `lambda` or `if`: the parser recurses on those
//! right-recursive forms, and a megabyte of `-` would cost seconds and a gigabyte of stack
//! before the walk could refuse it. The depth limit of the facts walk
//! stays the authoritative guard; this pass keeps `"[" * 50_000` and 10 000 nested `if` blocks
//! from ever reaching the parser.

use super::{Limits, LineIndex, ParseError};

/// Scans `text`; `Err` with kind `too-deep` at the first place a limit is exceeded.
///
/// ```
/// use pywarden::parse::{prescan, Limits};
/// assert!(prescan("x = [[1], (2, {3: 4})]\n", &Limits::default()).is_ok());
/// let deep = "[".repeat(300);
/// assert_eq!(prescan(&deep, &Limits::default()).unwrap_err().kind, "too-deep");
/// ```
pub fn prescan(text: &str, limits: &Limits) -> Result<(), ParseError> {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    let mut depth: u32 = 0;
    let mut indents: Vec<usize> = vec![0];
    let mut line_start = true;
    let mut continued = false;
    // Right-recursive chains the parser recurses on: a run of prefix operators (`- - ~x`,
    // `not not x`, `await await x`) and, per logical line, `**`, `lambda` and inline `if`.
    let mut prev_operand = false;
    let mut prefix_run: u32 = 0;
    let mut chain: u32 = 0;
    let too_deep = |at: usize, what: String| {
        let loc = LineIndex::new(text).location(at);
        Err(ParseError::new("too-deep", what, loc.line, loc.column))
    };
    while i < n {
        if line_start {
            line_start = false;
            if depth == 0 && !continued {
                let mut width = 0;
                let mut j = i;
                while j < n {
                    match b[j] {
                        b' ' => width += 1,
                        b'\t' => width = (width / 8 + 1) * 8,
                        b'\x0c' => width = 0,
                        _ => break,
                    }
                    j += 1;
                }
                let blank = j >= n || matches!(b[j], b'\n' | b'\r' | b'#');
                if !blank {
                    while width < *indents.last().unwrap_or(&0) {
                        indents.pop();
                    }
                    if width > *indents.last().unwrap_or(&0) {
                        indents.push(width);
                        if indents.len() - 1 > limits.max_indent as usize {
                            return too_deep(
                                j,
                                format!("more than {} levels of indentation", limits.max_indent),
                            );
                        }
                    }
                }
                i = j;
                continue;
            }
            continued = false;
        }
        let c = b[i];
        match CLASS[c as usize] {
            Class::Space => {
                // Runs of blanks change nothing: skip them in one tight loop.
                i += 1;
                while i < n && CLASS[b[i] as usize] == Class::Space {
                    i += 1;
                }
            }
            Class::Newline => {
                line_start = true;
                if depth == 0 && !continued {
                    chain = 0;
                }
                prefix_run = 0;
                prev_operand = false;
                i += 1;
            }
            Class::Semicolon => {
                chain = 0;
                prefix_run = 0;
                prev_operand = false;
                i += 1;
            }
            Class::Prefix => {
                if prev_operand {
                    prefix_run = 0;
                } else {
                    prefix_run += 1;
                    if prefix_run > limits.max_depth {
                        return too_deep(i, chain_message(limits));
                    }
                }
                prev_operand = false;
                i += 1;
            }
            Class::Star => {
                prefix_run = 0;
                prev_operand = false;
                if b.get(i + 1) == Some(&b'*') {
                    chain += 1;
                    if chain > limits.max_chain {
                        return too_deep(i, chain_message(limits));
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
            Class::Ident => {
                let start = i;
                while i < n && IDENT[b[i] as usize] {
                    i += 1;
                }
                match word_class(&b[start..i]) {
                    Word::Prefix => {
                        prefix_run += 1;
                        if prefix_run > limits.max_depth {
                            return too_deep(start, chain_message(limits));
                        }
                        prev_operand = false;
                    }
                    Word::Chain => {
                        chain += 1;
                        if chain > limits.max_chain {
                            return too_deep(start, chain_message(limits));
                        }
                        prefix_run = 0;
                        prev_operand = false;
                    }
                    Word::Keyword => {
                        prefix_run = 0;
                        prev_operand = false;
                    }
                    Word::Operand => {
                        // A name, a number, or a string prefix (the quote comes next).
                        prefix_run = 0;
                        prev_operand = true;
                    }
                }
            }
            Class::Backslash => {
                // Explicit line continuation.
                if i + 1 < n && b[i + 1] == b'\n' {
                    continued = true;
                }
                i += 1;
            }
            Class::Hash => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(n, |p| i + p);
            }
            Class::Open => {
                prev_operand = false;
                depth += 1;
                if depth > limits.max_brackets {
                    return too_deep(
                        i,
                        format!("more than {} nested brackets", limits.max_brackets),
                    );
                }
                i += 1;
            }
            Class::Close => {
                depth = depth.saturating_sub(1);
                prefix_run = 0;
                prev_operand = true;
                i += 1;
            }
            Class::Quote => {
                prefix_run = 0;
                prev_operand = true;
                let fstring = prefix_is_fstring(b, i);
                let triple = i + 2 < n && b[i + 1] == c && b[i + 2] == c;
                let start_depth = depth;
                i += if triple { 3 } else { 1 };
                loop {
                    if !fstring {
                        // Plain strings: jump to the next byte that can matter.
                        let hit = if triple {
                            memchr::memchr2(c, b'\\', &b[i.min(n)..])
                        } else {
                            memchr::memchr3(c, b'\\', b'\n', &b[i.min(n)..])
                        };
                        match hit {
                            Some(p) => i += p,
                            None => i = n,
                        }
                    }
                    if i >= n {
                        break;
                    }
                    let d = b[i];
                    if d == b'\\' {
                        i += 2;
                        continue;
                    }
                    if d == c && (!triple || (i + 2 < n && b[i + 1] == c && b[i + 2] == c)) {
                        i += if triple { 3 } else { 1 };
                        break;
                    }
                    if d == b'\n' && !triple {
                        break;
                    }
                    if fstring {
                        match d {
                            b'(' | b'[' | b'{' => {
                                depth += 1;
                                if depth > limits.max_brackets {
                                    return too_deep(
                                        i,
                                        format!(
                                            "more than {} nested brackets",
                                            limits.max_brackets
                                        ),
                                    );
                                }
                            }
                            b')' | b']' | b'}' => depth = depth.saturating_sub(1).max(start_depth),
                            _ => {}
                        }
                    }
                    i += 1;
                }
                depth = start_depth;
            }
            Class::Other => {
                prev_operand = false;
                prefix_run = 0;
                i += 1;
            }
        }
    }
    Ok(())
}

/// What a byte means to the scan loop (one table lookup instead of a chain of byte tests).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Bytes with no other meaning: operators, `.`, `,`, `:`, `=`...
    Other,
    /// ` `, `\t`, `\r`, form feed.
    Space,
    Newline,
    Semicolon,
    /// `-`, `+`, `~`.
    Prefix,
    Star,
    /// [`IDENT`] bytes.
    Ident,
    Backslash,
    Hash,
    /// `(`, `[`, `{`.
    Open,
    /// `)`, `]`, `}`.
    Close,
    /// `"`, `'`.
    Quote,
}

static CLASS: [Class; 256] = {
    let mut t = [Class::Other; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = match i as u8 {
            b' ' | b'\t' | b'\r' | b'\x0c' => Class::Space,
            b'\n' => Class::Newline,
            b';' => Class::Semicolon,
            b'-' | b'+' | b'~' => Class::Prefix,
            b'*' => Class::Star,
            b'\\' => Class::Backslash,
            b'#' => Class::Hash,
            b'(' | b'[' | b'{' => Class::Open,
            b')' | b']' | b'}' => Class::Close,
            b'"' | b'\'' => Class::Quote,
            _ if IDENT[i] => Class::Ident,
            _ => Class::Other,
        };
        i += 1;
    }
    t
};

fn chain_message(limits: &Limits) -> String {
    format!(
        "operator chain too long (more than {} prefix operators in a row, or more than {} \
         `**`/`lambda`/`if` in one statement)",
        limits.max_depth, limits.max_chain
    )
}

/// What a word means to the chain counters.
enum Word {
    /// `not`, `await`: prefix operators.
    Prefix,
    /// `lambda`, `if`: right-recursive forms counted per logical line.
    Chain,
    /// Other keywords after which an operand is expected.
    Keyword,
    /// Names, numbers, string prefixes.
    Operand,
}

/// Classifies a word with one length switch and at most a few fixed-size comparisons.
fn word_class(w: &[u8]) -> Word {
    match w.len() {
        2 => match w {
            b"if" => Word::Chain,
            b"in" | b"is" | b"or" | b"as" => Word::Keyword,
            _ => Word::Operand,
        },
        3 => match w {
            b"not" => Word::Prefix,
            b"and" | b"del" | b"for" => Word::Keyword,
            _ => Word::Operand,
        },
        4 => match w {
            b"else" | b"elif" | b"from" | b"with" | b"case" => Word::Keyword,
            _ => Word::Operand,
        },
        5 => match w {
            b"await" => Word::Prefix,
            b"yield" | b"while" | b"raise" | b"match" => Word::Keyword,
            _ => Word::Operand,
        },
        6 => match w {
            b"lambda" => Word::Chain,
            b"return" | b"assert" | b"import" => Word::Keyword,
            _ => Word::Operand,
        },
        _ => Word::Operand,
    }
}

/// Identifier bytes (ASCII letters, digits, `_`, and every byte of a non-ASCII character).
static IDENT: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
        i += 1;
    }
    t
};

/// True when the string literal whose quote is at `q` has an `f` or `t` prefix.
fn prefix_is_fstring(b: &[u8], q: usize) -> bool {
    let mut j = q;
    let mut f = false;
    while j > 0 && q - j < 3 {
        let p = b[j - 1];
        if !p.is_ascii_alphabetic() {
            break;
        }
        if matches!(p, b'f' | b'F' | b't' | b'T') {
            f = true;
        }
        j -= 1;
    }
    // A longer identifier right before the quote is not a prefix (`elif"x"` is a syntax error
    // anyway); only 1-2 letter prefixes count.
    f && (j == 0 || !(b[j - 1].is_ascii_alphanumeric() || b[j - 1] == b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(src: &str) -> Option<String> {
        prescan(src, &Limits::default()).err().map(|e| e.kind)
    }

    #[test]
    fn brackets() {
        assert_eq!(
            kind(&format!("x = {}1{}", "(".repeat(200), ")".repeat(200))),
            None
        );
        assert_eq!(
            kind(&format!("x = {}1{}", "(".repeat(201), ")".repeat(201))).as_deref(),
            Some("too-deep")
        );
        // Brackets in comments and plain strings do not count.
        let s = format!("x = '{}'  # {}\n", "(".repeat(500), "[".repeat(500));
        assert_eq!(kind(&s), None);
        let s = format!("x = \"\"\"\n{}\n\"\"\"\n", "{".repeat(500));
        assert_eq!(kind(&s), None);
        // ...but replacement fields of f-strings do.
        let s = format!("x = f'{{{}'\n", "(".repeat(300));
        assert_eq!(kind(&s).as_deref(), Some("too-deep"));
    }

    #[test]
    fn operator_chains() {
        assert_eq!(
            kind(&format!("y = {}x\n", "-".repeat(201))).as_deref(),
            Some("too-deep")
        );
        assert_eq!(
            kind(&format!("y = {}x\n", "not ".repeat(201))).as_deref(),
            Some("too-deep")
        );
        assert_eq!(
            kind(&format!("y = {}x\n", "x ** ".repeat(1001))).as_deref(),
            Some("too-deep")
        );
        assert_eq!(
            kind(&format!("y = {}x\n", "lambda: ".repeat(1001))).as_deref(),
            Some("too-deep")
        );
        // Negative: many prefix operators, but never in a run; chains spread over lines.
        assert_eq!(kind(&format!("y = [{}]\n", "-1, ".repeat(5000))), None);
        assert_eq!(kind(&"y = 2 ** -x\n".repeat(5000)), None);
        assert_eq!(kind("y = a - - b + ~c\nz = not not x\n"), None);
    }

    #[test]
    fn indentation() {
        let mut ok = String::new();
        for i in 0..100 {
            ok.push_str(&format!("{}if x:\n", " ".repeat(i)));
        }
        ok.push_str(&format!("{}pass\n", " ".repeat(100)));
        assert_eq!(kind(&ok), None);
        let mut deep = String::new();
        for i in 0..101 {
            deep.push_str(&format!("{}if x:\n", " ".repeat(i)));
        }
        deep.push_str(&format!("{}pass\n", " ".repeat(101)));
        let e = prescan(&deep, &Limits::default()).unwrap_err();
        assert_eq!((e.kind.as_str(), e.line), ("too-deep", 102));
        // Dedent back and forth never accumulates.
        let wave = "if x:\n    pass\n".repeat(1000);
        assert_eq!(kind(&wave), None);
    }
}
