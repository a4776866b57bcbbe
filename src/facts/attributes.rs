//! Attribute names worth a policy's attention, and attribute paths hidden in format templates.
//!
//! **What it catches:** dunder attributes (`x.__class__`, `f.__globals__`), frame / generator /
//! coroutine / traceback / code-object internals (`gi_frame`, `tb_frame`, `f_back`, `f_globals`,
//! `co_code`...), private attributes of modules (`random._os`) and every member of an imported
//! module (`os.system`, `typing.sys`, `from contextlib import os`). `str.format` templates reach
//! attributes too: `"{0.__class__.__mro__}".format(x)` walks to `object` without a single `.` in
//! code, so [`format_fields`] extracts those paths.
//!
//! **Why it matters:** these are the primitives of every Python sandbox escape: walking
//! `().__class__.__base__.__subclasses__()` to find a class whose `__init__.__globals__` holds
//! `os`, or climbing frames to a caller's `f_globals`.
//!
//! **Example:** `g.gi_frame.f_back` yields two accesses of kind `frame`; `self.name` yields none.

use ruff_text_size::Ranged;

/// Frame, generator, coroutine, async-generator, traceback and code-object internals.
pub const FRAME_ATTRS: &[&str] = &[
    "ag_await",
    "ag_code",
    "ag_frame",
    "ag_running",
    "co_code",
    "co_consts",
    "co_filename",
    "co_lines",
    "co_linetable",
    "co_names",
    "co_varnames",
    "cr_await",
    "cr_code",
    "cr_frame",
    "cr_origin",
    "cr_running",
    "f_back",
    "f_builtins",
    "f_code",
    "f_globals",
    "f_lasti",
    "f_lineno",
    "f_locals",
    "f_trace",
    "gi_code",
    "gi_frame",
    "gi_running",
    "gi_suspended",
    "gi_yieldfrom",
    "tb_frame",
    "tb_lasti",
    "tb_lineno",
    "tb_next",
];

/// `__x__`-shaped name.
pub fn is_dunder(name: &str) -> bool {
    name.len() > 4
        && name.as_bytes()[0] == b'_'
        && name.starts_with("__")
        && name.ends_with("__")
        && name[2..name.len() - 2]
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_')
}

/// Frame / generator / traceback / code internals ([`FRAME_ATTRS`]).
pub fn is_frame(name: &str) -> bool {
    let b = name.as_bytes();
    // Every entry is `x_...` or `xy_...`: reject everything else without comparing.
    (b.len() > 3 && (b[1] == b'_' || b[2] == b'_')) && FRAME_ATTRS.binary_search(&name).is_ok()
}

/// The `kind` of an access to `attr`; `on_module` when the base resolves to an imported
/// module. `None` when the access is not reported.
pub fn classify(attr: &str, on_module: bool) -> Option<&'static str> {
    if is_dunder(attr) {
        Some("dunder")
    } else if is_frame(attr) {
        Some("frame")
    } else if on_module && attr.starts_with('_') {
        Some("private")
    } else if on_module {
        Some("member")
    } else {
        None
    }
}

/// Attribute names reached by the replacement fields of a `str.format` template:
/// `"{0.__class__.__mro__[1]}"` → `["__class__", "__mro__"]`. Nested fields inside format
/// specs (`"{0:{1.__doc__}}"`) are included. Bounded by the template length.
pub fn format_fields(template: &str) -> Vec<String> {
    let b = template.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' if b.get(i + 1) == Some(&b'{') => i += 2,
            b'{' => {
                i += 1;
                // Field name runs to `!`, `:` or `}`; attribute parts start with `.`.
                let mut in_index = false;
                while i < b.len() {
                    let c = b[i];
                    if in_index {
                        if c == b']' {
                            in_index = false;
                        }
                        i += 1;
                        continue;
                    }
                    match c {
                        b'[' => {
                            in_index = true;
                            i += 1;
                        }
                        b'.' => {
                            let start = i + 1;
                            let mut j = start;
                            while j < b.len() && !matches!(b[j], b'.' | b'[' | b'!' | b':' | b'}') {
                                j += 1;
                            }
                            if j > start {
                                out.push(template[start..j].to_string());
                            }
                            i = j;
                        }
                        // The format spec may hold nested fields: keep scanning them as fields.
                        b'!' | b':' | b'}' => break,
                        _ => i += 1,
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// Reports the attribute access `a` if its name or base makes it interesting.
pub(crate) fn attribute(w: &mut super::walk::Walker<'_>, a: &ruff_python_ast::ExprAttribute) {
    let attr = a.attr.id.as_str();
    // Cheap exit: names that can only be reported on a module base.
    let special = is_dunder(attr) || is_frame(attr);
    let base = match &*a.value {
        // Fast path for the common `self.x` / `obj.x` with an untracked local name.
        ruff_python_ast::Expr::Name(n)
            if !special
                && w.r.alias(n.id.as_str()).is_none()
                && n.id.as_str() != "__builtins__" =>
        {
            return;
        }
        _ => w.r.resolve(&a.value, &mut w.budget),
    };
    let module = match &base {
        Some(super::resolver::Target::Qualified(q)) => Some(q.clone()),
        _ => None,
    };
    let Some(kind) = classify(attr, module.is_some()) else {
        return;
    };
    // Located at the attribute name, so `a.b.c` gives distinct columns.
    let loc = w.loc(a.attr.range());
    if matches!(attr, "__loader__" | "__spec__") {
        w.facts.imports.push(super::Import {
            kind: "loader".into(),
            top: module
                .as_ref()
                .map(|m| m.split('.').next().unwrap_or_default().to_string()),
            module: module.clone(),
            loc,
            ..Default::default()
        });
    }
    let raw = w.source(a.attr.range());
    let raw = (raw != attr && !raw.is_empty()).then(|| raw.to_string());
    w.facts.attributes.push(super::AttributeAccess {
        attr: attr.to_string(),
        kind: kind.to_string(),
        module,
        raw,
        via: "attribute".into(),
        context: super::walk::context_str(a.ctx).into(),
        loc,
    });
}

/// Reports dunder / frame names used as constant subscript keys (`vars(f)["__globals__"]`,
/// `obj.__dict__["f_back"]`) as accesses `via: "string"`.
pub(crate) fn subscript_key(w: &mut super::walk::Walker<'_>, s: &ruff_python_ast::ExprSubscript) {
    if let ruff_python_ast::Expr::StringLiteral(k) = &*s.slice {
        let key = k.value.to_str();
        if is_dunder(key) || is_frame(key) {
            let loc = w.loc(s.slice.range());
            push_string_access(w, key, loc, super::walk::context_str(s.ctx));
        }
    }
}

/// Reports every dunder / frame part of a dotted constant string (`"a.__class__"`) as an
/// access `via: "string"`.
pub(crate) fn string_access(w: &mut super::walk::Walker<'_>, value: &str, loc: super::Location) {
    for part in value.split('.') {
        if is_dunder(part) || is_frame(part) {
            push_string_access(w, part, loc, "load");
        }
    }
}

fn push_string_access(
    w: &mut super::walk::Walker<'_>,
    attr: &str,
    loc: super::Location,
    ctx: &str,
) {
    w.facts.attributes.push(super::AttributeAccess {
        attr: attr.to_string(),
        kind: classify(attr, false).unwrap_or("dunder").to_string(),
        module: None,
        via: "string".into(),
        context: ctx.to_string(),
        raw: None,
        loc,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_table_sorted() {
        assert!(FRAME_ATTRS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn classify_attrs() {
        assert_eq!(classify("__globals__", false), Some("dunder"));
        assert_eq!(classify("gi_frame", false), Some("frame"));
        assert_eq!(classify("_os", true), Some("private"));
        assert_eq!(classify("system", true), Some("member"));
        assert_eq!(classify("_cache", false), None);
        assert_eq!(classify("name", false), None);
        assert!(!is_dunder("__"));
        assert!(!is_dunder("____"));
        assert!(!is_dunder("__a b__"));
    }

    #[test]
    fn format_templates() {
        assert_eq!(
            format_fields("{0.__class__.__mro__[1]}"),
            vec!["__class__", "__mro__"]
        );
        assert_eq!(
            format_fields("{x.__init__.__globals__!r:>10}"),
            vec!["__init__", "__globals__"]
        );
        assert_eq!(format_fields("{0:{1.__doc__}}"), vec!["__doc__"]);
        assert!(format_fields("{{0.__class__}} {} {name} {0[__x__]}").is_empty());
    }
}
