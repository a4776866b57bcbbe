//! Finding the string at a JSON pointer inside one JSON record without building a DOM.
//!
//! [`locate`] walks the raw bytes of a record once: it follows the pointer's keys and array
//! indices, skips every other value (strings with `memchr`, nested containers by structure),
//! checks that the record is structurally valid JSON (balanced containers, commas and colons,
//! string escapes, literals, number characters) and returns the raw byte spans of every string
//! the pointer names (duplicate keys included). The caller redacts those spans and splices them
//! back, so every other byte of the record is preserved.
//!
//! ```
//! use pywarden::redact::jsonl::{Pointer, locate};
//! let p = Pointer::parse("/choices/0/message/content").unwrap();
//! let rec = br#"{"id":1,"choices":[{"message":{"content":"hi there"}}]}"#;
//! let spans = locate(rec, &p).unwrap();
//! assert_eq!(&rec[spans[0].start..spans[0].end], b"hi there");
//! ```

use std::borrow::Cow;

/// A parsed JSON pointer (RFC 6901).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    segments: Vec<String>,
}

impl Pointer {
    /// Parses `/a/b/0`; `""` is the whole document.
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        if s.is_empty() {
            return Ok(Pointer {
                segments: Vec::new(),
            });
        }
        anyhow::ensure!(
            s.starts_with('/'),
            "JSON pointer must be empty or start with `/`: {s:?}"
        );
        Ok(Pointer {
            segments: s[1..]
                .split('/')
                .map(|seg| seg.replace("~1", "/").replace("~0", "~"))
                .collect(),
        })
    }
}

/// Raw span of a string's contents (between the quotes) in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrSpan {
    pub start: usize,
    pub end: usize,
    /// The raw contents contain backslash escapes (must be unescaped before scanning).
    pub escaped: bool,
}

/// Why a record is not valid JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{msg} at byte {pos}")]
pub struct Malformed {
    pub msg: &'static str,
    pub pos: usize,
}

const MAX_DEPTH: usize = 256;

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    found: Vec<StrSpan>,
}

impl<'a> Scanner<'a> {
    fn err<T>(&self, msg: &'static str) -> Result<T, Malformed> {
        Err(Malformed { msg, pos: self.i })
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// At a `"`: skips the string, returns its contents span.
    fn string(&mut self) -> Result<StrSpan, Malformed> {
        debug_assert_eq!(self.b[self.i], b'"');
        let start = self.i + 1;
        let mut j = start;
        let mut escaped = false;
        loop {
            match find_special::<true, false>(self.b, j) {
                None => {
                    self.i = self.b.len();
                    return self.err("unterminated string");
                }
                Some(k) => {
                    j = k;
                    if self.b[j] == b'"' {
                        self.i = j + 1;
                        return Ok(StrSpan {
                            start,
                            end: j,
                            escaped,
                        });
                    }
                    escaped = true;
                    match self.b.get(j + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => j += 2,
                        Some(b'u') => {
                            let hex = self.b.get(j + 2..j + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                self.i = j;
                                return self.err("bad \\u escape");
                            }
                            j += 6;
                        }
                        _ => {
                            self.i = j;
                            return self.err("bad escape");
                        }
                    }
                }
            }
        }
    }

    fn scalar(&mut self) -> Result<(), Malformed> {
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                break;
            }
            self.i += 1;
        }
        let tok = &self.b[start..self.i];
        let ok = match tok.first() {
            Some(b't') => tok == b"true",
            Some(b'f') => tok == b"false",
            Some(b'n') => tok == b"null",
            Some(b'-' | b'0'..=b'9') => tok
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            self.i = start;
            self.err("invalid value")
        }
    }

    /// Parses one value; `path` is `Some(rest of the pointer)` while on the pointer's path.
    fn value(&mut self, path: Option<&[String]>, depth: usize) -> Result<(), Malformed> {
        if depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        self.ws();
        match self.b.get(self.i) {
            None => self.err("unexpected end"),
            Some(b'"') => {
                let s = self.string()?;
                if path.is_some_and(<[String]>::is_empty) {
                    self.found.push(s);
                }
                Ok(())
            }
            Some(b'{') => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return self.err("expected key");
                    }
                    let key = self.string()?;
                    let sub = match path {
                        Some([head, rest @ ..]) if key_eq(self.b, key, head) => Some(rest),
                        _ => None,
                    };
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return self.err("expected `:`");
                    }
                    self.i += 1;
                    self.value(sub, depth + 1)?;
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err("expected `,` or `}`"),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(());
                }
                let want: Option<(usize, &[String])> = match path {
                    Some([head, rest @ ..]) => head.parse::<usize>().ok().map(|n| (n, rest)),
                    _ => None,
                };
                let mut index = 0usize;
                loop {
                    let sub = match want {
                        Some((n, rest)) if n == index => Some(rest),
                        _ => None,
                    };
                    self.value(sub, depth + 1)?;
                    index += 1;
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err("expected `,` or `]`"),
                    }
                }
            }
            Some(_) => self.scalar(),
        }
    }
}

fn key_eq(b: &[u8], key: StrSpan, want: &str) -> bool {
    let raw = &b[key.start..key.end];
    if !key.escaped {
        return raw == want.as_bytes();
    }
    unescape(b, key).is_some_and(|k| k == want)
}

/// The decoded contents of a string span (`None` if it is not valid).
pub fn unescape(b: &[u8], s: StrSpan) -> Option<Cow<'_, str>> {
    if !s.escaped {
        return std::str::from_utf8(&b[s.start..s.end])
            .ok()
            .map(Cow::Borrowed);
    }
    serde_json::from_slice::<String>(&b[s.start - 1..s.end + 1])
        .ok()
        .map(Cow::Owned)
}

/// Decodes string span `s` of `b` into `out` (cleared first), like [`unescape`] but into a
/// reused buffer; `false` if it is not a valid JSON string. Common escapes are decoded here,
/// `\u` escapes (surrogate pairs and their errors) by `serde_json`.
pub fn unescape_into(b: &[u8], s: StrSpan, out: &mut Vec<u8>) -> bool {
    out.clear();
    let raw = &b[s.start..s.end];
    out.reserve(raw.len());
    let mut i = 0;
    // One pass finds both escapes and the raw control characters JSON strings may not hold.
    while let Some(k) = find_special::<false, true>(raw, i) {
        out.extend_from_slice(&raw[i..k]);
        if raw[k] != b'\\' {
            return false;
        }
        let c = match raw.get(k + 1) {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            _ => {
                out.clear();
                return match unescape(b, s) {
                    Some(text) => {
                        out.extend_from_slice(text.as_bytes());
                        true
                    }
                    None => false,
                };
            }
        };
        out.push(c);
        i = k + 2;
    }
    out.extend_from_slice(&raw[i..]);
    std::str::from_utf8(out).is_ok()
}

/// Appends `text` as a JSON string, quotes included, written by `serde_json` itself (`\"`,
/// `\\`, `\b \f \n \r \t`, other control characters as `\u00XX`), so re-escaped fields are
/// byte for byte what `serde_json` would write.
pub fn escape_into(text: &str, out: &mut Vec<u8>) {
    out.reserve(text.len() + 2);
    // Writing to a `Vec` cannot fail, nor can serializing a `str`.
    serde_json::to_writer(&mut *out, text).expect("serializing a str into a Vec");
}

/// Index (from `from`) of the first byte of `b` that is a backslash, a `"` (if `QUOTE`) or a
/// control character below 0x20 (if `CONTROL`). Sixteen bytes per step with SSE2 (part of the
/// x86_64 baseline), inline: the runs between escapes in LLM text are short, and a call per
/// run costs more than the search.
#[inline(always)]
fn find_special<const QUOTE: bool, const CONTROL: bool>(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8,
        };
        while i + 16 <= b.len() {
            // SAFETY: SSE2 is always available on x86_64; the load reads the 16 bytes
            // `b[i..i + 16]` (checked by the loop condition), unaligned loads are allowed.
            let m = unsafe {
                let v = _mm_loadu_si128(b.as_ptr().add(i).cast());
                let mut hit = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                if QUOTE {
                    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)));
                }
                if CONTROL {
                    let low = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
                    hit = _mm_or_si128(hit, low);
                }
                _mm_movemask_epi8(hit) as u32
            };
            if m != 0 {
                return Some(i + m.trailing_zeros() as usize);
            }
            i += 16;
        }
    }
    b[i..]
        .iter()
        .position(|&c| c == b'\\' || (QUOTE && c == b'"') || (CONTROL && c < 0x20))
        .map(|k| i + k)
}

/// Validates `record` (one JSON document) and returns the spans of the strings at `pointer`.
/// A pointer that names nothing, or a non-string, yields no spans.
pub fn locate(record: &[u8], pointer: &Pointer) -> Result<Vec<StrSpan>, Malformed> {
    let mut s = Scanner {
        b: record,
        i: 0,
        found: Vec::new(),
    };
    s.value(Some(&pointer.segments), 0)?;
    s.ws();
    if s.i != record.len() {
        return s.err("trailing characters");
    }
    Ok(s.found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ptr(s: &str) -> Pointer {
        Pointer::parse(s).unwrap()
    }

    #[test]
    fn finds_nested_field_and_skips_others() {
        let rec = br#"{"a":{"text":"no"},"b":[1,2.5e3,true,null,{"x":"\"y\""}],"text":"yes"}"#;
        let spans = locate(rec, &ptr("/text")).unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(&rec[spans[0].start..spans[0].end], b"yes");
    }

    #[test]
    fn unescape_into_agrees_with_serde_json() {
        let cases: [&[u8]; 9] = [
            br#""plain""#,
            br#""a\nb\t\"q\" \\ \/""#,
            br#""\u00e9t\u00e9 \ud83d\ude00""#,
            br#""lone \ud83d""#,
            br#""bad \x escape""#,
            b"\"raw \x01 control\"",
            b"\"bad utf8 \xff\"",
            "\"caf\u{e9} \\n\"".as_bytes(),
            br#""\b\f\r""#,
        ];
        let mut buf = Vec::new();
        for c in cases {
            let span = StrSpan {
                start: 1,
                end: c.len() - 1,
                escaped: true,
            };
            let want = serde_json::from_slice::<String>(c).ok();
            let ok = unescape_into(c, span, &mut buf);
            assert_eq!(ok, want.is_some(), "{:?}", String::from_utf8_lossy(c));
            if let Some(w) = want {
                assert_eq!(buf, w.as_bytes());
            }
        }
    }

    #[test]
    fn escape_into_agrees_with_serde_json() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("caf\u{e9} \u{1f600} long run without anything special in it \"q\" \\ end");
        let mut out = Vec::new();
        for text in [all.as_str(), "", "plain", "\n", "0123456789abcdef\u{7}"] {
            // Appends after what is already there, and round-trips.
            out.clear();
            out.extend_from_slice(b"{\"a\":");
            escape_into(text, &mut out);
            let mut want = b"{\"a\":".to_vec();
            want.extend_from_slice(serde_json::to_string(text).unwrap().as_bytes());
            assert_eq!(out, want, "{text:?}");
            out.push(b'}');
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(v["a"], text, "{text:?}");
        }
    }

    #[test]
    fn find_special_finds_the_first_special_byte_at_any_offset() {
        for len in 0..40 {
            for at in 0..len {
                for special in [b'"', b'\\', 0x00, 0x1f] {
                    let mut b = vec![b'a'; len];
                    b[at] = special;
                    let both = find_special::<true, true>(&b, 0);
                    assert_eq!(both, Some(at));
                    let quote_only = find_special::<true, false>(&b, 0);
                    let want = (special == b'"' || special == b'\\').then_some(at);
                    assert_eq!(quote_only, want);
                    assert_eq!(find_special::<true, true>(&b, at + 1), None);
                }
            }
        }
    }

    #[test]
    fn escaped_keys_and_values_decode() {
        let rec = br#"{"te\u0078t":"line\nnext"}"#;
        let spans = locate(rec, &ptr("/text")).unwrap();
        assert_eq!(unescape(rec, spans[0]).unwrap(), "line\nnext");
    }

    #[test]
    fn malformed_records_are_reported() {
        for bad in [
            &br#"{"a":1"#[..],
            br#"{"a" 1}"#,
            br#"{"a":tru}"#,
            br#"{"a":"x\q"}"#,
            br#"{"a":1} x"#,
            br#"[1,]"#,
            b"",
        ] {
            assert!(
                locate(bad, &ptr("/a")).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let rec = "[".repeat(100_000);
        assert!(locate(rec.as_bytes(), &ptr("/a")).is_err());
    }

    #[test]
    fn pointer_escapes() {
        let rec = br#"{"a/b":{"c~d":"v"}}"#;
        let spans = locate(rec, &ptr("/a~1b/c~0d")).unwrap();
        assert_eq!(&rec[spans[0].start..spans[0].end], b"v");
    }
}
