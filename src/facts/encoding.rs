//! Encoding facts: the PEP 263 declaration, the BOM, and Trojan-Source characters.
//!
//! **What it catches:** bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+061C) and
//! invisible characters (U+200B–U+200F, U+2060–U+2064, U+FEFF after the start, U+00AD, U+034F,
//! U+180E, Hangul fillers U+115F/U+1160/U+3164/U+FFA0) anywhere in the source, with location.
//!
//! **Why it matters:** they make a reviewer read different code from what runs (CVE-2021-42574:
//! a `return` hidden inside what looks like a comment) and Hangul fillers are valid *identifier*
//! characters that render as nothing.
//!
//! **Example:** `s = "admin\u{202E} \u{2066}# comment"` yields `U+202E` and `U+2066` entries;
//! plain ASCII yields none (and costs one `is_ascii` check).

use super::{Encoding, SuspiciousChar};
use crate::parse::{Decoded, LineIndex};

/// True for the characters listed in the module documentation.
pub fn is_suspicious(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// Most suspicious characters listed (a file full of them needs no more to be denied).
const MAX_LISTED: usize = 100;

/// Builds the encoding facts of a decoded unit.
pub fn encoding_facts(decoded: &Decoded<'_>, index: &LineIndex<'_>) -> Encoding {
    let mut suspicious_chars = Vec::new();
    if !decoded.text.is_ascii() {
        for (off, c) in decoded.text.char_indices() {
            if is_suspicious(c) {
                suspicious_chars.push(SuspiciousChar {
                    codepoint: format!("U+{:04X}", c as u32),
                    loc: index.location(off),
                });
                if suspicious_chars.len() >= MAX_LISTED {
                    break;
                }
            }
        }
    }
    Encoding {
        declared: decoded.declared.as_ref().map(|(n, _)| n.clone()),
        line: decoded.declared.as_ref().map(|(_, l)| *l),
        bom: decoded.bom,
        suspicious_chars,
    }
}
