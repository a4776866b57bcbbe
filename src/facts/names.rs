//! Builtin names: which ones the facts document reports, and which are inert.
//!
//! **What it catches:** every reference — call, plain load, decorator, default argument value,
//! argument passed to another call, assignment, deletion — to a builtin that gives code a power
//! beyond pure computation: evaluating code (`eval`, `exec`, `compile`), reaching the import
//! system (`__import__`, `__loader__`, `__spec__`, `__builtins__`), the file system or the
//! terminal (`open`, `input`, `help`, `breakpoint`), namespaces (`globals`, `locals`, `vars`,
//! `dir`), reflective attribute access (`getattr`, `setattr`, `delattr`, `hasattr`), raw memory
//! (`memoryview`, `id`), the type system's back doors (`type`, `object`, `super`, `classmethod`,
//! `staticmethod`, `__build_class__`) and the interpreter's exit helpers.
//!
//! **Why it matters:** `f = eval; f(s)`, `@exec`, `map(eval, xs)` and `lambda f=open: f(p)` all
//! use a builtin without a syntactic call of it; reporting references closes those doors.
//!
//! **Example:** `list(map(eval, ["1+1"]))` yields a `NameRef { name: "eval", context: "argument" }`
//! while `len(xs)` yields nothing: [`INERT`] builtins (pure functions, value types and exception
//! classes) are not reported, which keeps the document of an ordinary file small.

use ruff_text_size::Ranged;

/// Declares a sorted word list (for documentation and tests) and a matching `fn` that the
/// compiler turns into a length-then-bytes decision tree (much faster than a binary search).
macro_rules! word_set {
    ($(#[$m:meta])* $list:ident, $f:ident, [$($w:literal),* $(,)?]) => {
        $(#[$m])*
        pub const $list: &[&str] = &[$($w),*];
        fn $f(name: &str) -> bool {
            matches!(name, $($w)|*)
        }
    };
}

word_set!(
    /// Builtins (Python 3.11 `dir(builtins)`) that are pure computation or plain value types:
    /// never reported. The other builtins are [`REPORTED`].
    INERT,
    is_inert_name,
    [
        "Ellipsis",
        "False",
        "None",
        "NotImplemented",
        "True",
        "__debug__",
        "__doc__",
        "__name__",
        "__package__",
        "abs",
        "aiter",
        "all",
        "anext",
        "any",
        "ascii",
        "bin",
        "bool",
        "bytearray",
        "bytes",
        "callable",
        "chr",
        "complex",
        "dict",
        "divmod",
        "enumerate",
        "filter",
        "float",
        "format",
        "frozenset",
        "hash",
        "hex",
        "int",
        "isinstance",
        "issubclass",
        "iter",
        "len",
        "list",
        "map",
        "max",
        "min",
        "next",
        "oct",
        "ord",
        "pow",
        "print",
        "property",
        "range",
        "repr",
        "reversed",
        "round",
        "set",
        "slice",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
    ]
);

word_set!(
    /// Builtins that are reported wherever they are referenced (sorted).
    REPORTED,
    is_reported_name,
    [
        "__build_class__",
        "__builtins__",
        "__import__",
        "__loader__",
        "__spec__",
        "breakpoint",
        "classmethod",
        "compile",
        "copyright",
        "credits",
        "delattr",
        "dir",
        "eval",
        "exec",
        "exit",
        "getattr",
        "globals",
        "hasattr",
        "help",
        "id",
        "input",
        "license",
        "locals",
        "memoryview",
        "object",
        "open",
        "quit",
        "setattr",
        "staticmethod",
        "super",
        "type",
        "vars",
    ]
);

/// True for any name Python resolves in `builtins` when no module binding hides it (inert or
/// reported; exception classes included).
pub fn is_builtin(name: &str) -> bool {
    is_reported(name) || is_inert_name(name) || is_exception_class(name)
}

/// True for the builtins the facts document reports ([`REPORTED`]).
pub fn is_reported(name: &str) -> bool {
    is_reported_name(name)
}

/// Builtin exception and warning classes (inert): `ValueError`, `UserWarning`, ...
fn is_exception_class(name: &str) -> bool {
    matches!(
        name,
        "BaseException"
            | "Exception"
            | "BaseExceptionGroup"
            | "ExceptionGroup"
            | "GeneratorExit"
            | "KeyboardInterrupt"
            | "StopIteration"
            | "StopAsyncIteration"
            | "SystemExit"
            | "Warning"
            | "EnvironmentError"
            | "IOError"
    ) || name.ends_with("Error")
        || name.ends_with("Warning")
}

/// Reports a reference to a builtin ([`REPORTED`]) at `n`, in the context its parent gives it.
/// A name bound by an import (`from os import open`) is that module member, not the builtin.
pub(crate) fn name_ref(
    w: &mut super::walk::Walker<'_>,
    n: &ruff_python_ast::ExprName,
    role: super::walk::Role,
) {
    use super::walk::Role;
    let id = n.id.as_str();
    if !is_reported(id) {
        return;
    }
    let load = n.ctx == ruff_python_ast::ExprContext::Load;
    if load && matches!(w.r.alias(id), Some(super::resolver::Target::Qualified(_))) {
        return;
    }
    let context = if load {
        match role {
            Role::Plain => "load",
            Role::Call => "call",
            Role::Decorator => "decorator",
            Role::Default => "default",
            Role::Argument => "argument",
        }
    } else {
        super::walk::context_str(n.ctx)
    };
    let raw = w.source(n.range());
    let raw = (raw != id && !raw.is_empty()).then(|| raw.to_string());
    let loc = w.loc(n.range());
    if load && matches!(id, "__loader__" | "__spec__") {
        w.facts.imports.push(super::Import {
            kind: "loader".into(),
            loc,
            ..Default::default()
        });
    }
    w.facts.names.push(super::NameRef {
        name: id.to_string(),
        raw,
        context: context.to_string(),
        shadowed: false,
        loc,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_disjoint() {
        assert!(
            INERT
                .iter()
                .all(|n| is_inert_name(n) && !is_reported_name(n))
        );
        assert!(REPORTED.iter().all(|n| is_reported_name(n)));
        assert!(INERT.windows(2).all(|w| w[0] < w[1]));
        assert!(REPORTED.windows(2).all(|w| w[0] < w[1]));
        assert!(REPORTED.iter().all(|n| !INERT.contains(n)));
    }

    #[test]
    fn classification() {
        for n in [
            "eval",
            "exec",
            "open",
            "__import__",
            "getattr",
            "type",
            "memoryview",
        ] {
            assert!(is_reported(n), "{n}");
        }
        for n in ["len", "print", "range", "ValueError", "isinstance", "str"] {
            assert!(!is_reported(n) && is_builtin(n), "{n}");
        }
        assert!(!is_builtin("os"));
        assert!(!is_builtin("my_function"));
    }
}
