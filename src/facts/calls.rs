//! Calls whose target resolves to a builtin or a module member, with constant arguments.
//!
//! **What it catches:** `os.system("id")`, `getattr(b, "__im" + "port__")`,
//! `importlib.import_module("o" + "s")`, `e = eval; e(s)`, `__builtins__.exec(s)`,
//! `"{0.__class__}".format(x)` (as `str.format`), and the reflective builtins
//! `getattr`/`setattr`/`delattr`/`hasattr`, whose constant attribute name becomes an
//! [`AttributeAccess`](super::AttributeAccess) `via: "getattr"` (kind `other` when the name is
//! unremarkable). Dunder / frame names in constant arguments of any reported call
//! (`operator.attrgetter("__globals__")`) become accesses `via: "string"`, and the replacement
//! fields of `format` / `format_map` templates accesses `via: "format"`.
//!
//! **Why it matters:** the policy decides on *what* is called with *which* values; resolving
//! aliases and folding arguments defeats renaming and string assembly.
//!
//! **Example:** `getattr(os, "sys" + "tem")("id")` yields `Call { func: "getattr", args:
//! [null, "system"] }`, an access `system` of module `os` via `getattr`, and the call
//! `os.system`. `len(x)` and `self.run()` yield nothing.

use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

use super::resolver::Target;
use super::strings::Value;
use super::walk::Walker;
use super::{AttributeAccess, Call, attributes, imports, names};

/// Handles one call expression.
pub(crate) fn call(w: &mut Walker<'_>, c: &ExprCall) {
    let target = w.r.resolve(&c.func, &mut w.budget);
    // Method calls on constant strings: only the template methods matter.
    let template_method = match &*c.func {
        Expr::Attribute(a) if matches!(a.attr.id.as_str(), "format" | "format_map" | "vformat") => {
            Some(a)
        }
        _ => None,
    };
    let func = match &target {
        Some(Target::Builtin(b)) if names::is_reported(b) => Some(b.clone()),
        Some(Target::Qualified(q)) => Some(q.clone()),
        Some(Target::BuiltinMember(m))
            if names::is_reported(m.split('.').next().unwrap_or_default()) =>
        {
            Some(m.clone())
        }
        _ => None,
    };
    let mut receiver_template = None;
    let func = match (func, template_method) {
        (Some(f), _) => Some(f),
        (None, Some(a)) => match w.fold(&a.value) {
            Some(Value::Str(t)) => {
                receiver_template = Some(t);
                Some(format!("str.{}", a.attr.id.as_str()))
            }
            _ => None,
        },
        (None, None) => None,
    };
    let loc = w.loc(c.range());
    // Format templates: the receiver (`"{0.__class__}".format(x)`) or, for
    // `str.format(t, ...)` / `Formatter().vformat(t, ...)`, the first argument.
    if template_method.is_some() {
        let template = match receiver_template.clone() {
            Some(t) => Some(t),
            None => match c.arguments.args.first() {
                Some(first) => match w.fold(first) {
                    Some(Value::Str(t)) => Some(t),
                    _ => None,
                },
                None => None,
            },
        };
        if let Some(t) = template {
            for attr in attributes::format_fields(&t) {
                format_access(w, &attr, loc);
            }
        }
    }
    let Some(func) = func else {
        // Not a reported call, but dunder-shaped literal arguments still count as accesses.
        for a in c.arguments.args.iter() {
            if let Expr::StringLiteral(s) = a {
                let v = s.value.to_str().to_string();
                attributes::string_access(w, &v, w.loc(s.range()));
            }
        }
        return;
    };
    let mut args = Vec::with_capacity(c.arguments.args.len());
    let mut constant = true;
    for a in c.arguments.args.iter() {
        let v = if a.is_starred_expr() {
            None
        } else {
            w.fold(a).and_then(|v| v.as_arg())
        };
        constant &= v.is_some();
        args.push(v);
    }
    match func.as_str() {
        "getattr" | "setattr" | "delattr" | "hasattr" => {
            if let (Some(obj), Some(Some(name))) = (c.arguments.args.first(), args.get(1)) {
                let base = w.r.resolve(obj, &mut w.budget);
                let module = match base {
                    Some(Target::Qualified(q)) => Some(q),
                    _ => None,
                };
                let kind = attributes::classify(name, module.is_some()).unwrap_or("other");
                let context = match func.as_str() {
                    "setattr" => "store",
                    "delattr" => "del",
                    _ => "load",
                };
                w.facts.attributes.push(AttributeAccess {
                    attr: name.clone(),
                    kind: kind.into(),
                    module,
                    via: "getattr".into(),
                    context: context.into(),
                    raw: None,
                    loc,
                });
            }
        }
        f if imports::is_dynamic_import(f) => {
            imports::dynamic(w, f, args.first().cloned().flatten(), loc)
        }
        _ => {
            for (a, v) in c.arguments.args.iter().zip(&args) {
                if let Some(v) = v {
                    let at = w.loc(a.range());
                    attributes::string_access(w, v, at);
                }
            }
        }
    }
    w.facts.calls.push(Call {
        func,
        nargs: args.len() as u32,
        constant_args: constant,
        args,
        loc,
    });
}

fn format_access(w: &mut Walker<'_>, attr: &str, loc: super::Location) {
    if let Some(kind) = attributes::classify(attr, false) {
        w.facts.attributes.push(AttributeAccess {
            attr: attr.to_string(),
            kind: kind.into(),
            module: None,
            via: "format".into(),
            context: "load".into(),
            raw: None,
            loc,
        });
    }
}
