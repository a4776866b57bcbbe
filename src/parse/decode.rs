//! Decoding guard: the bytes we analyse must be exactly the text CPython would execute.
//!
//! Accepted: UTF-8 (optionally with a BOM) and PEP 263 declarations naming UTF-8 (`utf-8`,
//! `utf8`, `utf_8`, `u8`, `utf-8-sig`, ...). A declaration of a single-byte ASCII superset
//! (`latin-1`, `ascii`, `cp1252`, `iso-8859-15`...) is accepted only when the file is pure ASCII,
//! because then CPython decodes it to the same text. Everything else — `utf-7` in particular,
//! which turns `+ADw-` into `<` — is refused with kind `encoding`: CPython would run a different
//! program from the one we checked.

use super::{Limits, LineIndex, ParseError};

/// A decoded unit of source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The text, without the BOM.
    pub text: &'a str,
    /// The input started with a UTF-8 byte-order mark.
    pub bom: bool,
    /// PEP 263 declaration (lower-cased) and its 1-based line.
    pub declared: Option<(String, u32)>,
}

/// Declared encodings that are UTF-8 under another name (after CPython's normalisation:
/// lower case, `_` → `-`).
const UTF8_NAMES: &[&str] = &[
    "utf-8",
    "utf8",
    "u8",
    "utf",
    "utf8-ucs2",
    "utf8-ucs4",
    "cp65001",
    "utf-8-sig",
];

/// Single-byte codecs that decode ASCII bytes to the same characters as UTF-8.
const ASCII_SUPERSETS: &[&str] = &[
    "ascii",
    "us-ascii",
    "646",
    "latin-1",
    "latin1",
    "latin",
    "l1",
    "iso-8859-1",
    "iso8859-1",
    "iso-latin-1",
    "8859",
    "cp819",
    "iso-8859-15",
    "iso8859-15",
    "latin-9",
    "latin9",
    "cp1252",
    "windows-1252",
    "iso-8859-2",
    "latin2",
    "cp1250",
    "windows-1250",
    "koi8-r",
    "cp1251",
    "windows-1251",
];

/// Checks size, NUL bytes, UTF-8 validity and the PEP 263 declaration of `bytes`.
///
/// ```
/// use pywarden::parse::{decode, Limits};
/// assert!(decode(b"x = 1\n", &Limits::default()).is_ok());
/// let err = decode(b"# -*- coding: utf-7 -*-\nx = 1\n", &Limits::default()).unwrap_err();
/// assert_eq!(err.kind, "encoding");
/// ```
pub fn decode<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Decoded<'a>, ParseError> {
    if bytes.len() > limits.max_bytes {
        return Err(ParseError::new(
            "too-large",
            format!(
                "source is {} bytes, the limit is {}",
                bytes.len(),
                limits.max_bytes
            ),
            1,
            1,
        ));
    }
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            let good = &body[..e.valid_up_to()];
            // Safe: `good` is the valid prefix.
            let prefix = std::str::from_utf8(good).unwrap_or_default();
            let loc = LineIndex::new(prefix).location(prefix.len());
            return Err(ParseError::new(
                "encoding",
                format!(
                    "invalid UTF-8 (byte 0x{:02X} at offset {})",
                    body[e.valid_up_to()],
                    e.valid_up_to() + usize::from(bom) * 3
                ),
                loc.line,
                loc.column,
            ));
        }
    };
    if let Some(pos) = memchr::memchr(0, text.as_bytes()) {
        let loc = LineIndex::new(text).location(pos);
        return Err(ParseError::new(
            "nul-byte",
            "source contains a NUL byte",
            loc.line,
            loc.column,
        ));
    }
    let declared = declaration(text);
    if let Some((name, line)) = &declared {
        let normal = name.replace('_', "-");
        let utf8 = UTF8_NAMES.contains(&normal.as_str())
            || (normal.starts_with("utf-8-") && !normal.starts_with("utf-8-x"));
        let ascii_ok = ASCII_SUPERSETS.contains(&normal.as_str()) && body.is_ascii();
        if !utf8 && (bom || !ascii_ok) {
            return Err(ParseError::new(
                "encoding",
                format!(
                    "source declares encoding `{name}`: CPython would decode it differently \
                     from the UTF-8 text analysed"
                ),
                *line,
                1,
            ));
        }
    }
    Ok(Decoded {
        text,
        bom,
        declared,
    })
}

/// The PEP 263 declaration in line 1 or 2: a comment line matching `coding[:=]\s*([-\w.]+)`.
/// Line 2 is considered whatever line 1 holds (stricter than CPython, never laxer).
pub fn declaration(text: &str) -> Option<(String, u32)> {
    for (i, line) in text.split('\n').take(2).enumerate() {
        let trimmed = line.trim_start_matches([' ', '\t', '\x0c']);
        if !trimmed.starts_with('#') {
            continue;
        }
        let mut rest = trimmed;
        while let Some(p) = rest.find("coding") {
            let after = &rest[p + 6..];
            if let Some(tail) = after.strip_prefix([':', '=']) {
                let tail = tail.trim_start_matches([' ', '\t']);
                let name: String = tail
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect();
                if !name.is_empty() {
                    return Some((name.to_ascii_lowercase(), i as u32 + 1));
                }
            }
            rest = after;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(src: &[u8]) -> Option<String> {
        decode(src, &Limits::default()).err().map(|e| e.kind)
    }

    #[test]
    fn accepts_utf8_declarations_and_bom() {
        assert_eq!(kind(b"# -*- coding: utf-8 -*-\nx = 1\n"), None);
        assert_eq!(kind(b"#!/usr/bin/env python\n# coding=UTF8\nx = 1\n"), None);
        assert_eq!(kind(b"\xEF\xBB\xBFx = '\xC3\xA9'\n"), None);
        assert_eq!(kind(b"# vim: set fileencoding=latin-1 :\nx = 1\n"), None);
    }

    #[test]
    fn refuses_other_declarations() {
        assert_eq!(
            kind(b"# -*- coding: utf-7 -*-\nx = 1\n").as_deref(),
            Some("encoding")
        );
        assert_eq!(
            kind(b"# coding: latin-1\nx = '\xC3\xA9'\n").as_deref(),
            Some("encoding")
        );
        assert_eq!(
            kind(b"\n# coding: utf-16\nx = 1\n").as_deref(),
            Some("encoding")
        );
        assert_eq!(
            kind(b"\xEF\xBB\xBF# coding: latin-1\nx = 1\n").as_deref(),
            Some("encoding")
        );
    }

    #[test]
    fn locates_invalid_utf8_and_nul() {
        let e = decode(b"x = 1\ny = '\xFF'\n", &Limits::default()).unwrap_err();
        assert_eq!((e.kind.as_str(), e.line, e.column), ("encoding", 2, 6));
        let e = decode(b"x = 1\n\0", &Limits::default()).unwrap_err();
        assert_eq!((e.kind.as_str(), e.line, e.column), ("nul-byte", 2, 1));
    }

    #[test]
    fn size_cap() {
        let limits = Limits {
            max_bytes: 4,
            ..Limits::default()
        };
        assert_eq!(
            decode(b"x = 12", &limits).unwrap_err().kind.as_str(),
            "too-large"
        );
        assert!(decode(b"x=1", &limits).is_ok());
    }
}
