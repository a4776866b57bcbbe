//! f-string rules of Python before 3.12 that the parser does not report as version errors.
//!
//! `ruff_python_parser` parses f-strings with the PEP 701 (3.12) grammar and reports the
//! 3.12-only *syntax* (nested same quotes, backslashes, comments, line breaks) as unsupported
//! for older targets. CPython 3.11's f-string parser refused three more things that the 3.12
//! grammar leaves to later stages or allows, so a 3.11 gate must refuse them too (found by
//! `tests/parse_differential.rs` against CPython 3.11):
//!
//! * replacement fields nested more than two levels in format specs:
//!   `f'{x:{y:{z}}}'` ("f-string: expressions nested too deeply");
//! * a bare starred expression as the field: `f'{*a}'`;
//! * anything but `:` or `}` right after the conversion character: `f'{a!r }'`, `f'{a! r}'`.
//!
//! The check walks the tree only when the source has an f-string at all; the walk grows its
//! stack on demand ([`stacker::maybe_grow`]), so deep expression chains cannot overflow it.

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_f_string};
use ruff_python_ast::{
    ConversionFlag, Expr, FString, InterpolatedElement, InterpolatedStringElement, ModModule,
};
use ruff_text_size::Ranged;

/// Whether some f-string of the source could hold one of the errors [`check`] looks for, read
/// from the tokens (conservatively): a field nested two format specs deep sits three `{`
/// tokens deep inside an f-string, a starred field is a `*` token right after a `{`, and a
/// bad conversion is a `!` token not directly followed by `s`, `r` or `a` and then `:` or `}`.
/// When no f-string has any of them, the tree walk of [`check`] is skipped: most modules have
/// f-strings and none of these errors.
pub(crate) fn may_have_errors(tokens: &[ruff_python_ast::token::Token], text: &str) -> bool {
    use ruff_python_ast::token::TokenKind;
    let mut tokens = tokens.iter();
    // Outside f-strings only their start matters (a tight scan, like the `any` it replaced).
    while tokens.any(|t| t.kind() == TokenKind::FStringStart) {
        let mut fstrings = 1usize;
        let mut braces = 0usize;
        let mut after_lbrace = false;
        for token in tokens.by_ref() {
            let kind = token.kind();
            if kind.is_trivia() {
                continue;
            }
            let was_after_lbrace = std::mem::replace(&mut after_lbrace, false);
            match kind {
                TokenKind::FStringStart => fstrings += 1,
                TokenKind::FStringEnd => {
                    fstrings -= 1;
                    if fstrings == 0 {
                        break;
                    }
                }
                TokenKind::Lbrace => {
                    braces += 1;
                    if braces >= 3 {
                        return true;
                    }
                    after_lbrace = true;
                }
                TokenKind::Rbrace => braces = braces.saturating_sub(1),
                TokenKind::Star if was_after_lbrace => return true,
                TokenKind::Exclamation => {
                    let after = text.as_bytes().get(token.end().to_usize()..).unwrap_or(&[]);
                    let ok = matches!(after.first(), Some(b's' | b'r' | b'a'))
                        && matches!(after.get(1), Some(b':' | b'}'));
                    if !ok {
                        return true;
                    }
                }
                _ => {}
            }
        }
    }
    false
}

/// The first pre-3.12 f-string error in `module` (parsed from `text`): byte offset and message.
pub(crate) fn check(module: &ModModule, text: &str) -> Option<(usize, &'static str)> {
    let mut v = Legacy { text, error: None };
    v.visit_body(&module.body);
    v.error
}

struct Legacy<'t> {
    text: &'t str,
    error: Option<(usize, &'static str)>,
}

impl Legacy<'_> {
    /// Checks the fields of one f-string (or format spec) at spec nesting `level`.
    fn fields(&mut self, elements: &[InterpolatedStringElement], level: u32) {
        for element in elements {
            let InterpolatedStringElement::Interpolation(field) = element else {
                continue;
            };
            if self.error.is_some() {
                return;
            }
            let at = field.range.start().to_usize();
            if level >= 2 {
                self.error = Some((at, "f-string: expressions nested too deeply"));
            } else if matches!(*field.expression, Expr::Starred(_)) {
                self.error = Some((at, "f-string: can't use starred expression here"));
            } else if !self.conversion_ok(field) {
                self.error = Some((at, "f-string: expecting '}' after the conversion"));
            } else if let Some(spec) = &field.format_spec {
                self.fields(&spec.elements, level + 1);
            }
        }
    }

    /// `!` must be followed by the conversion character and then `:` or `}` directly.
    fn conversion_ok(&self, field: &InterpolatedElement) -> bool {
        if field.conversion == ConversionFlag::None {
            return true;
        }
        let from = field.expression.range().end().to_usize();
        let to = field.range.end().to_usize();
        let Some(tail) = self.text.get(from..to) else {
            return true;
        };
        let Some(bang) = tail.find('!') else {
            return true;
        };
        let mut after = tail[bang + 1..].chars();
        matches!(after.next(), Some('s' | 'r' | 'a')) && matches!(after.next(), Some(':' | '}'))
    }
}

impl<'a> Visitor<'a> for Legacy<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.error.is_none() {
            stacker::maybe_grow(64 * 1024, 1 << 20, || walk_expr(self, expr));
        }
    }

    fn visit_f_string(&mut self, f_string: &'a FString) {
        self.fields(&f_string.elements, 0);
        walk_f_string(self, f_string);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(src: &str) -> Option<&'static str> {
        let parsed = ruff_python_parser::parse_module(src).expect("parses with the 3.12 grammar");
        check(parsed.syntax(), src).map(|(_, m)| m)
    }

    #[test]
    fn refuses_what_cpython_3_11_refuses() {
        assert!(
            error("f'{x:{y:{z}}}'\n")
                .unwrap()
                .contains("nested too deeply")
        );
        assert!(error("f'{*a}'\n").unwrap().contains("starred"));
        assert!(error("f'{a!r }'\n").unwrap().contains("conversion"));
        // Inside a nested f-string, and in a format spec.
        assert!(error("f'{f\"{*a}\"}'\n").is_some());
        assert!(error("f'{x:{a!r }}'\n").is_some());
    }

    #[test]
    fn accepts_what_cpython_3_11_accepts() {
        for ok in [
            "f'{x:{y}}'\n",
            "f'{a!r}'\n",
            "f'{a!r:>{w}}'\n",
            "f'{a = !r:^20}'\n",
            "f'{a !r}'\n",
            "f'{*a,}'\n",
            "f'{a != b}'\n",
            "f'{x:{\"<\"}10}'\n",
            "print('!r ')\n",
        ] {
            assert_eq!(error(ok), None, "{ok:?}");
        }
    }

    fn flagged(src: &str) -> bool {
        let parsed = ruff_python_parser::parse_module(src).expect("parses with the 3.12 grammar");
        may_have_errors(parsed.tokens(), src)
    }

    /// The pre-filter flags every source `check` refuses, and lets ordinary f-strings skip the
    /// walk.
    #[test]
    fn the_prefilter_never_skips_an_error() {
        for bad in [
            "f'{x:{y:{z}}}'\n",
            "f'{*a}'\n",
            "f'{a!r }'\n",
            "f'{f\"{*a}\"}'\n",
            "f'{x:{a!r }}'\n",
            "x = 1\ny = f\"\"\"\n{x:{x:{x}}}\n\"\"\"\n",
            "g(f'{a}', f'{b!r }')\n",
        ] {
            assert!(error(bad).is_some(), "{bad:?}");
            assert!(flagged(bad), "{bad:?}");
        }
        for plain in [
            "x = 1\n",
            "f'{x}'\n",
            "s = '***!' + f'{x:{y}}'\n",
            "f'{x!r}{y!s:>10}{z != 1}'\n",
        ] {
            assert_eq!(error(plain), None, "{plain:?}");
            assert!(!flagged(plain), "{plain:?}");
        }
        // Legal conversions, specs one level deep, dicts and `*` elsewhere need no walk.
        assert!(!flagged("f'{x:>{w}}' + f\"{y!s}\" + f'{a!r:>{w}}'\n"));
        assert!(!flagged("f'{ {1: 2}[1] } {a*b} {c} {d} {e}'\n"));
    }
}
