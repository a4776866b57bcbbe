//! Imports in every form.
//!
//! **What it catches:** `import a.b as c`, `from a import b`, relative imports (`from .x import
//! y`, level > 0), star imports, dynamic imports (`__import__("os")`,
//! `importlib.import_module("o" + "s")`, `importlib.util.spec_from_file_location(...)`), and
//! `__loader__` / `__spec__` use (kind `loader`). Every `from m import x` is also an
//! attribute access of `x` on module `m` (`via: "import"`), so `from contextlib import os`
//! and `from random import _os` meet the same member rules as `contextlib.os`.
//!
//! **Why it matters:** the import allowlist is the policy's first line; every way to load a
//! module must show up, and bound names are tracked so later uses resolve to their module.
//!
//! **Example:** `m = __import__("o" + "s")` yields `Import { kind: "dynamic", module: "os" }`
//! and makes `m.system` an access of member `system` of module `os`.

use ruff_python_ast::{StmtImport, StmtImportFrom};
use ruff_text_size::Ranged;

use super::resolver::Target;
use super::walk::Walker;
use super::{AttributeAccess, Import, Location, attributes};

/// Call targets that load a module by name.
pub fn is_dynamic_import(func: &str) -> bool {
    matches!(
        func,
        "__import__"
            | "importlib.import_module"
            | "importlib.__import__"
            | "importlib.reload"
            | "imp.load_module"
            | "imp.load_source"
            | "imp.find_module"
            | "pkgutil.get_loader"
            | "pkgutil.resolve_name"
            | "runpy.run_module"
            | "runpy.run_path"
            | "zipimport.zipimporter"
    ) || func.starts_with("importlib.util.")
        || func.starts_with("importlib.machinery.")
}

fn top(module: &str) -> Option<String> {
    let t = module.split('.').next().unwrap_or_default();
    (!t.is_empty()).then(|| t.to_string())
}

/// `import a.b as c`.
pub(crate) fn import_stmt(w: &mut Walker<'_>, i: &StmtImport) {
    for a in &i.names {
        let module = a.name.id.to_string();
        let loc = w.loc(a.range());
        let (local, target) = match &a.asname {
            Some(asn) => (asn.id.to_string(), module.clone()),
            None => {
                let t = top(&module).unwrap_or_default();
                (t.clone(), t)
            }
        };
        w.r.bind(&local, Some(Target::Qualified(target)));
        w.r.bind_const(&local, None);
        w.facts.imports.push(Import {
            kind: "import".into(),
            top: top(&module),
            module: Some(module),
            name: None,
            alias: a.asname.as_ref().map(|n| n.id.to_string()),
            level: 0,
            loc,
        });
    }
}

/// `from a import b as c` (and relative / star forms).
pub(crate) fn import_from(w: &mut Walker<'_>, i: &StmtImportFrom) {
    let module = i
        .module
        .as_ref()
        .map(|m| m.id.to_string())
        .unwrap_or_default();
    for a in &i.names {
        let name = a.name.id.to_string();
        let loc = w.loc(a.range());
        if name != "*" {
            let local = a.asname.as_ref().map_or(name.clone(), |n| n.id.to_string());
            // `from builtins import exec as e` makes `e` the builtin itself.
            let target = (i.level == 0)
                .then(|| super::resolver::member(Target::Qualified(module.clone()), &name));
            w.r.bind(&local, target);
            w.r.bind_const(&local, None);
            if i.level == 0 {
                let kind = attributes::classify(&name, true).unwrap_or("member");
                w.facts.attributes.push(AttributeAccess {
                    attr: name.clone(),
                    kind: kind.into(),
                    module: Some(module.clone()),
                    via: "import".into(),
                    context: "load".into(),
                    raw: None,
                    loc,
                });
            }
        }
        w.facts.imports.push(Import {
            kind: "from".into(),
            module: Some(module.clone()),
            top: top(&module),
            name: Some(name),
            alias: a.asname.as_ref().map(|n| n.id.to_string()),
            level: i.level,
            loc,
        });
    }
}

/// A dynamic import through `func` with the (folded) first argument `arg`.
pub(crate) fn dynamic(w: &mut Walker<'_>, func: &str, arg: Option<String>, loc: Location) {
    let module = arg.filter(|m| {
        !m.is_empty()
            && m.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    });
    // Paths (`runpy.run_path("x.py")`, spec_from_file_location) are not module names.
    let module = if func == "runpy.run_path" {
        None
    } else {
        module
    };
    w.facts.imports.push(Import {
        kind: "dynamic".into(),
        top: module.as_deref().and_then(top),
        module,
        name: None,
        alias: None,
        level: 0,
        loc,
    });
}
