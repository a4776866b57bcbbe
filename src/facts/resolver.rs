//! The shared resolver: answers "what does this name or expression really refer to?".
//!
//! It tracks, in source order, which local names are bound to modules or module members
//! (`import os as o`, `from os import path`, `m = random`, `m = __import__("os")`,
//! `m = sys.modules["os"]`, `b = __builtins__`) and to builtins (`e = eval`), and which hold
//! constant values (`n = "__im"`), so every concern module asks one question —
//! [`Resolver::resolve`] — instead of re-deriving scope facts. Tracking is flow-insensitive
//! across scopes (a name bound anywhere counts everywhere after it): an over-approximation that
//! errs towards reporting.
//!
//! **Example:** after `import random as r; m = r`, `m._os` resolves its base to
//! `Target::Qualified("random")`, so the access is reported as a `private` attribute of module
//! `random`.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A small multiply-rotate hasher (FxHash): the keys are short identifiers from the file
/// being analysed, and SipHash's DoS resistance buys nothing against a 4 MiB input cap.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type Fx = BuildHasherDefault<FxHasher>;

use ruff_python_ast::{Expr, ExprContext};

use super::names;
use super::strings::{Budget, Value, fold_at};

/// What an expression refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A module or a member of one, dotted (`os`, `os.path.join`, `collections.OrderedDict`).
    Qualified(String),
    /// A builtin (`eval`) — also reached as `builtins.eval` or `__builtins__["eval"]`.
    Builtin(String),
    /// A member of a builtin (`object.__subclasses__`, `str.maketrans`), dotted.
    BuiltinMember(String),
}

impl Target {
    /// The dotted name (`os.system`, `eval`).
    pub fn dotted(&self) -> &str {
        match self {
            Target::Qualified(s) | Target::Builtin(s) | Target::BuiltinMember(s) => s,
        }
    }
}

/// Deepest expression the resolver and the folder look into.
pub const MAX_RESOLVE_DEPTH: u32 = 48;

/// Source-order binding state of one module.
#[derive(Debug, Default)]
pub struct Resolver {
    aliases: HashMap<String, Target, Fx>,
    consts: HashMap<String, Value, Fx>,
    /// Every name the module binds anywhere (for `NameRef.shadowed`).
    pub bound: HashSet<String, Fx>,
}

impl Resolver {
    /// Records that `name` now refers to `target` (or to something untracked when `None`).
    pub fn bind(&mut self, name: &str, target: Option<Target>) {
        self.mark_bound(name);
        match target {
            Some(t) => {
                self.aliases.insert(name.to_string(), t);
            }
            None => {
                if !self.aliases.is_empty() {
                    self.aliases.remove(name);
                }
            }
        }
    }

    /// Records that `name` is bound somewhere (parameters, loop targets...).
    pub fn mark_bound(&mut self, name: &str) {
        if !self.bound.contains(name) {
            self.bound.insert(name.to_string());
        }
    }

    /// Records the constant value of `name` (or forgets it).
    pub fn bind_const(&mut self, name: &str, value: Option<Value>) {
        match value {
            Some(v) => {
                self.consts.insert(name.to_string(), v);
            }
            None => {
                if !self.consts.is_empty() {
                    self.consts.remove(name);
                }
            }
        }
    }

    /// The constant value `name` currently holds, if tracked.
    pub fn constant(&self, name: &str) -> Option<&Value> {
        self.consts.get(name)
    }

    /// The tracked alias of `name`, if any.
    pub fn alias(&self, name: &str) -> Option<&Target> {
        self.aliases.get(name)
    }

    /// Resolves `expr` to a module member or builtin, if it denotes one.
    pub fn resolve(&self, expr: &Expr, budget: &mut Budget) -> Option<Target> {
        self.resolve_at(expr, budget, 0)
    }

    pub(crate) fn resolve_at(
        &self,
        expr: &Expr,
        budget: &mut Budget,
        depth: u32,
    ) -> Option<Target> {
        if depth > MAX_RESOLVE_DEPTH || !budget.step(1) {
            return None;
        }
        match expr {
            Expr::Name(n) => {
                let id = n.id.as_str();
                if let Some(t) = self.aliases.get(id) {
                    return Some(t.clone());
                }
                if id == "__builtins__" {
                    return Some(Target::Qualified("builtins".into()));
                }
                // A builtin rebound somewhere still resolves: the policy sees `shadowed`.
                names::is_builtin(id).then(|| Target::Builtin(id.to_string()))
            }
            Expr::Attribute(a) => {
                let base = self.resolve_at(&a.value, budget, depth + 1)?;
                Some(member(base, a.attr.id.as_str()))
            }
            Expr::Subscript(s) if s.ctx == ExprContext::Load => {
                // sys.modules["os"], __builtins__["eval"], vars(builtins)["eval"],
                // globals()["__builtins__"].
                let key = match fold_at(&s.slice, self, budget, depth + 1).map(|(v, _)| v) {
                    Some(Value::Str(k)) => k,
                    _ => return None,
                };
                match self.resolve_at(&s.value, budget, depth + 1) {
                    Some(Target::Qualified(q)) if q == "sys.modules" => {
                        Some(Target::Qualified(key))
                    }
                    Some(Target::Qualified(q)) if q == "builtins" || q == "builtins.__dict__" => {
                        Some(builtin_or_member("builtins", &key))
                    }
                    Some(Target::Qualified(q)) if q.ends_with(".__dict__") => Some(member(
                        Target::Qualified(q[..q.len() - 9].to_string()),
                        &key,
                    )),
                    Some(Target::Builtin(b)) if b == "globals" || b == "vars" => {
                        // `globals()` is a call; handled below. A bare subscript of the
                        // function object is meaningless.
                        None
                    }
                    _ => {
                        // `globals()["__builtins__"]`, `vars(builtins)["eval"]`.
                        if let Expr::Call(c) = s.value.as_ref() {
                            match self.resolve_at(&c.func, budget, depth + 1) {
                                Some(Target::Builtin(b)) if b == "globals" => {
                                    if key == "__builtins__" {
                                        return Some(Target::Qualified("builtins".into()));
                                    }
                                    return self.aliases.get(&key).cloned();
                                }
                                Some(Target::Builtin(b)) if b == "vars" => {
                                    let arg = c.arguments.args.first()?;
                                    let base = self.resolve_at(arg, budget, depth + 1)?;
                                    return Some(member(base, &key));
                                }
                                _ => {}
                            }
                        }
                        None
                    }
                }
            }
            Expr::Call(c) => {
                let func = self.resolve_at(&c.func, budget, depth + 1)?;
                let first = c.arguments.args.first();
                match func.dotted() {
                    "__import__" | "importlib.__import__" => {
                        let Some(Value::Str(m)) =
                            fold_at(first?, self, budget, depth + 1).map(|(v, _)| v)
                        else {
                            return None;
                        };
                        // `__import__("a.b")` returns `a` unless a fromlist is given.
                        let fromlist = c.arguments.args.len() >= 4
                            || c.arguments.keywords.iter().any(|k| {
                                k.arg.as_ref().is_some_and(|a| a.id.as_str() == "fromlist")
                            });
                        let m = if fromlist {
                            m
                        } else {
                            m.split('.').next().unwrap_or_default().to_string()
                        };
                        Some(Target::Qualified(m))
                    }
                    "importlib.import_module" => {
                        match fold_at(first?, self, budget, depth + 1).map(|(v, _)| v) {
                            Some(Value::Str(m)) => Some(Target::Qualified(m)),
                            _ => None,
                        }
                    }
                    "getattr" => {
                        let base = self.resolve_at(first?, budget, depth + 1)?;
                        match fold_at(c.arguments.args.get(1)?, self, budget, depth + 1)
                            .map(|(v, _)| v)
                        {
                            Some(Value::Str(a)) => Some(member(base, &a)),
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            Expr::Named(n) => self.resolve_at(&n.value, budget, depth + 1),
            _ => None,
        }
    }
}

/// `base.attr` as a target: members of `builtins` are builtins again.
pub fn member(base: Target, attr: &str) -> Target {
    match base {
        Target::Qualified(q) if q == "builtins" => builtin_or_member("builtins", attr),
        Target::Qualified(q) => Target::Qualified(format!("{q}.{attr}")),
        Target::Builtin(b) | Target::BuiltinMember(b) => {
            Target::BuiltinMember(format!("{b}.{attr}"))
        }
    }
}

fn builtin_or_member(module: &str, attr: &str) -> Target {
    if names::is_builtin(attr) || attr == "__import__" {
        Target::Builtin(attr.to_string())
    } else {
        Target::Qualified(format!("{module}.{attr}"))
    }
}
