//! Constant folding: the strings a program computes without any input.
//!
//! **What it catches:** names and payloads assembled at run time so no literal shows them:
//! `"__im" + "port__"`, `"%s%s" % ("ev", "al")`, `"{}{}".format("ex", "ec")`, f-strings,
//! `"".join(["o", "s"])`, `"".join(map(chr, [101, 118, 97, 108]))`, `chr(95) * 2`,
//! `bytes([111, 115]).decode()`, `b"os".decode()`, `bytes.fromhex("6f73")`,
//! `base64.b64decode("b3M=")`, `codecs.decode("riny", "rot13")`, `"lave"[::-1]`,
//! `.replace`, `.lower()`/`.upper()`, comprehensions over constants, and names bound to
//! constants (`n = "__im"; getattr(b, n + "port__")`).
//!
//! **Why it matters:** computed attribute and import names are the standard way around
//! literal-matching filters; folding them turns `getattr(b, "__im" + "port__")` back into an
//! access of `__import__`.
//!
//! **Example:** `"".join(map(chr, [101, 118, 97, 108]))` folds to `eval` (how `join`);
//! `"a" + x` with an unknown `x` does not fold.
//!
//! Folding is bounded: strings and bytes longer than [`MAX_LEN`], sequences longer than
//! [`MAX_ITEMS`], expressions deeper than the resolver's limit and more than the per-file step
//! [`Budget`] all make it give up, so hostile input cannot make it slow.

use base64::Engine;
use ruff_python_ast::{ConversionFlag, Expr, InterpolatedStringElement, Number, Operator, UnaryOp};

use super::resolver::{MAX_RESOLVE_DEPTH, Resolver, Target};

/// Longest string or bytes value folding produces.
pub const MAX_LEN: usize = 4096;
/// Longest sequence folding produces.
pub const MAX_ITEMS: usize = 4096;

/// A folded constant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Bytes(Vec<u8>),
    Int(i64),
    List(Vec<Value>),
    /// A builtin usable as a mapping function (`chr`, `str`, `ord`).
    Func(&'static str),
}

impl Value {
    /// The value as a string argument (`str`, UTF-8 `bytes`, or an int's decimal form).
    pub fn as_arg(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Bytes(b) => String::from_utf8(b.clone()).ok(),
            Value::Int(i) => Some(i.to_string()),
            _ => None,
        }
    }

    fn size(&self) -> usize {
        match self {
            Value::Str(s) => s.len(),
            Value::Bytes(b) => b.len(),
            Value::List(l) => l.len(),
            _ => 1,
        }
    }
}

/// A per-file step budget shared by folding and resolution.
#[derive(Debug, Clone)]
pub struct Budget {
    left: u64,
}

impl Budget {
    /// A budget of `steps` folding steps.
    pub fn new(steps: u64) -> Self {
        Self { left: steps }
    }

    /// Spends `n` steps; false once exhausted.
    pub fn step(&mut self, n: u64) -> bool {
        if self.left < n {
            self.left = 0;
            return false;
        }
        self.left -= n;
        true
    }
}

impl Default for Budget {
    fn default() -> Self {
        Self::new(2_000_000)
    }
}

/// Folds `expr` to a constant, if it is one.
pub fn fold(expr: &Expr, resolver: &Resolver, budget: &mut Budget) -> Option<Value> {
    fold_how(expr, resolver, budget).map(|(v, _)| v)
}

/// Folds `expr` and names the outermost operation (`literal`, `concat`, `format`, `fstring`,
/// `join`, `chr`, `decode`, `slice`, `replace`, `lower`, `upper`, `repeat`, `variable`, ...).
pub fn fold_how(
    expr: &Expr,
    resolver: &Resolver,
    budget: &mut Budget,
) -> Option<(Value, &'static str)> {
    fold_at(expr, resolver, budget, 0)
}

/// [`fold_how`] starting at nesting `depth` (shared with the resolver so that mutual recursion
/// stays bounded by [`MAX_RESOLVE_DEPTH`]).
pub(crate) fn fold_at(
    expr: &Expr,
    resolver: &Resolver,
    budget: &mut Budget,
    depth: u32,
) -> Option<(Value, &'static str)> {
    let mut f = Folder {
        r: resolver,
        budget,
        locals: Vec::new(),
    };
    f.fold(expr, depth)
}

struct Folder<'a> {
    r: &'a Resolver,
    budget: &'a mut Budget,
    locals: Vec<(String, Value)>,
}

fn ok(v: Value, how: &'static str) -> Option<(Value, &'static str)> {
    (v.size() <= MAX_LEN.max(MAX_ITEMS)
        && match &v {
            Value::Str(s) => s.len() <= MAX_LEN,
            Value::Bytes(b) => b.len() <= MAX_LEN,
            Value::List(l) => l.len() <= MAX_ITEMS,
            _ => true,
        })
    .then_some((v, how))
}

impl Folder<'_> {
    fn val(&mut self, e: &Expr, depth: u32) -> Option<Value> {
        self.fold(e, depth + 1).map(|(v, _)| v)
    }

    fn fold(&mut self, e: &Expr, depth: u32) -> Option<(Value, &'static str)> {
        if depth > MAX_RESOLVE_DEPTH || !self.budget.step(1) {
            return None;
        }
        match e {
            Expr::StringLiteral(s) => ok(Value::Str(s.value.to_str().to_string()), "literal"),
            Expr::BytesLiteral(b) => {
                if b.value.len() > MAX_LEN {
                    return None;
                }
                ok(Value::Bytes(b.value.bytes().collect()), "literal")
            }
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => Some((Value::Int(i.as_i64()?), "literal")),
                _ => None,
            },
            Expr::BooleanLiteral(b) => Some((Value::Int(i64::from(b.value)), "literal")),
            Expr::Name(n) => {
                let id = n.id.as_str();
                if let Some((_, v)) = self.locals.iter().rev().find(|(k, _)| k == id) {
                    return Some((v.clone(), "variable"));
                }
                if let Some(v) = self.r.constant(id) {
                    return Some((v.clone(), "variable"));
                }
                match self.r.alias(id) {
                    Some(Target::Builtin(b)) => func_value(b).map(|f| (f, "variable")),
                    Some(_) => None,
                    None if !self.r.bound.contains(id) => func_value(id).map(|f| (f, "variable")),
                    None => None,
                }
            }
            Expr::List(l) => self.seq(l.elts.iter(), depth),
            Expr::Tuple(t) => self.seq(t.elts.iter(), depth),
            Expr::UnaryOp(u) if u.op == UnaryOp::USub => match self.val(&u.operand, depth)? {
                Value::Int(i) => Some((Value::Int(i.checked_neg()?), "literal")),
                _ => None,
            },
            Expr::BinOp(b) => {
                let l = self.val(&b.left, depth)?;
                let r = self.val(&b.right, depth)?;
                binop(l, b.op, r)
            }
            Expr::FString(f) => {
                let mut out = String::new();
                for part in f.value.iter() {
                    match part {
                        ruff_python_ast::FStringPart::Literal(l) => out.push_str(&l.value),
                        ruff_python_ast::FStringPart::FString(fs) => {
                            for el in fs.elements.iter() {
                                match el {
                                    InterpolatedStringElement::Literal(l) => out.push_str(&l.value),
                                    InterpolatedStringElement::Interpolation(i) => {
                                        if i.format_spec.is_some()
                                            || !matches!(
                                                i.conversion,
                                                ConversionFlag::None | ConversionFlag::Str
                                            )
                                        {
                                            return None;
                                        }
                                        out.push_str(&to_str(&self.val(&i.expression, depth)?)?);
                                    }
                                }
                            }
                        }
                    }
                    if out.len() > MAX_LEN {
                        return None;
                    }
                }
                ok(Value::Str(out), "fstring")
            }
            Expr::Subscript(s) => {
                let base = self.val(&s.value, depth)?;
                if let Expr::Slice(sl) = s.slice.as_ref() {
                    let mut bound = |x: &Option<Box<Expr>>| -> Option<Option<i64>> {
                        match x {
                            None => Some(None),
                            Some(e) => match self.val(e, depth)? {
                                Value::Int(i) => Some(Some(i)),
                                _ => None,
                            },
                        }
                    };
                    let (lo, hi, st) = (bound(&sl.lower)?, bound(&sl.upper)?, bound(&sl.step)?);
                    return ok(slice(base, lo, hi, st)?, "slice");
                }
                let Value::Int(i) = self.val(&s.slice, depth)? else {
                    return None;
                };
                let v = match base {
                    Value::Str(s) => {
                        let chars: Vec<char> = s.chars().collect();
                        Value::Str(chars.get(index(i, chars.len())?)?.to_string())
                    }
                    Value::Bytes(b) => Value::Int(i64::from(*b.get(index(i, b.len())?)?)),
                    Value::List(l) => l.get(index(i, l.len())?)?.clone(),
                    _ => return None,
                };
                Some((v, "index"))
            }
            Expr::ListComp(c) => self.comprehension(&c.elt, &c.generators, depth),
            Expr::Generator(c) => self.comprehension(&c.elt, &c.generators, depth),
            Expr::Call(c) => self.call(c, depth),
            _ => None,
        }
    }

    fn seq<'e>(
        &mut self,
        items: impl Iterator<Item = &'e Expr>,
        depth: u32,
    ) -> Option<(Value, &'static str)> {
        let mut out = Vec::new();
        for e in items {
            if out.len() >= MAX_ITEMS {
                return None;
            }
            out.push(self.val(e, depth)?);
        }
        Some((Value::List(out), "literal"))
    }

    fn comprehension(
        &mut self,
        elt: &Expr,
        gens: &[ruff_python_ast::Comprehension],
        depth: u32,
    ) -> Option<(Value, &'static str)> {
        let [g] = gens else { return None };
        if !g.ifs.is_empty() || g.is_async {
            return None;
        }
        let Expr::Name(target) = &g.target else {
            return None;
        };
        let items = iterate(self.val(&g.iter, depth)?)?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            self.locals.push((target.id.to_string(), item));
            let v = self.val(elt, depth);
            self.locals.pop();
            out.push(v?);
        }
        Some((Value::List(out), "comprehension"))
    }

    fn call(&mut self, c: &ruff_python_ast::ExprCall, depth: u32) -> Option<(Value, &'static str)> {
        let args = &c.arguments.args;
        if args.iter().any(|a| a.is_starred_expr()) {
            return None;
        }
        // Method calls on a folded receiver: "".join(...), "x".replace(...), b"..".decode().
        if let Expr::Attribute(a) = c.func.as_ref() {
            let method = a.attr.id.as_str();
            let known = matches!(
                method,
                "join"
                    | "replace"
                    | "lower"
                    | "upper"
                    | "strip"
                    | "lstrip"
                    | "rstrip"
                    | "swapcase"
                    | "encode"
                    | "format"
                    | "decode"
                    | "hex"
            );
            if known && let Some(recv) = self.val(&a.value, depth) {
                let mut vals = Vec::with_capacity(args.len());
                for x in args.iter() {
                    vals.push(self.val(x, depth)?);
                }
                if !c.arguments.keywords.is_empty() && method != "format" {
                    return None;
                }
                return self.method(recv, method, vals, c, depth);
            }
        }
        if !c.arguments.keywords.is_empty() || args.len() > 2 {
            return None;
        }
        let target = self.r.resolve_at(&c.func, self.budget, depth + 1)?;
        if !is_fold_function(target.dotted()) {
            // Not a function the folder knows: do not fold its arguments for nothing.
            return None;
        }
        let mut vals = Vec::with_capacity(args.len());
        for x in args.iter() {
            vals.push(self.val(x, depth)?);
        }
        let name = target.dotted();
        let v = match (name, vals.as_slice()) {
            ("chr", [Value::Int(i)]) => {
                return ok(
                    Value::Str(char::from_u32(u32::try_from(*i).ok()?)?.to_string()),
                    "chr",
                );
            }
            ("ord", [Value::Str(s)]) => {
                let mut it = s.chars();
                let c = it.next()?;
                if it.next().is_some() {
                    return None;
                }
                return Some((Value::Int(i64::from(u32::from(c))), "ord"));
            }
            ("str", [v]) => return ok(Value::Str(to_str(v)?), "str"),
            ("bytes" | "bytearray", [Value::List(l)]) => {
                let mut out = Vec::with_capacity(l.len());
                for v in l {
                    match v {
                        Value::Int(i) => out.push(u8::try_from(*i).ok()?),
                        _ => return None,
                    }
                }
                return ok(Value::Bytes(out), "bytes");
            }
            ("bytes" | "bytearray", [Value::Str(s), Value::Str(_enc)]) => {
                return ok(Value::Bytes(s.as_bytes().to_vec()), "encode");
            }
            ("bytes.fromhex" | "bytearray.fromhex", [Value::Str(s)]) => {
                let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                Value::Bytes(hex::decode(clean).ok()?)
            }
            ("binascii.unhexlify" | "binascii.a2b_hex", [v]) => Value::Bytes(
                hex::decode(match v {
                    Value::Str(s) => s.as_bytes().to_vec(),
                    Value::Bytes(b) => b.clone(),
                    _ => return None,
                })
                .ok()?,
            ),
            (
                "base64.b64decode"
                | "base64.standard_b64decode"
                | "base64.urlsafe_b64decode"
                | "base64.b32decode"
                | "base64.b16decode"
                | "base64.b85decode"
                | "base64.a85decode"
                | "binascii.a2b_base64",
                [v],
            ) => {
                let data = match v {
                    Value::Str(s) => s.as_bytes().to_vec(),
                    Value::Bytes(b) => b.clone(),
                    _ => return None,
                };
                Value::Bytes(b64(name, &data)?)
            }
            ("codecs.decode" | "codecs.encode", [Value::Str(s), Value::Str(enc)])
                if matches!(enc.as_str(), "rot13" | "rot_13" | "rot-13") =>
            {
                Value::Str(rot13(s))
            }
            ("codecs.decode", [v, Value::Str(enc)]) => {
                let data = match v {
                    Value::Str(s) => s.as_bytes().to_vec(),
                    Value::Bytes(b) => b.clone(),
                    _ => return None,
                };
                match enc.as_str() {
                    "hex" | "hex_codec" => Value::Bytes(hex::decode(data).ok()?),
                    "base64" | "base64_codec" => Value::Bytes(b64("base64.b64decode", &data)?),
                    "utf-8" | "utf8" | "ascii" => Value::Str(String::from_utf8(data).ok()?),
                    _ => return None,
                }
            }
            ("map", [Value::Func(f), v]) => {
                let items = iterate(v.clone())?;
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(apply(f, it)?);
                }
                return ok(Value::List(out), "map");
            }
            ("list" | "tuple", [v]) => return ok(Value::List(iterate(v.clone())?), "list"),
            ("reversed", [v]) => {
                let mut items = iterate(v.clone())?;
                items.reverse();
                return ok(Value::List(items), "reversed");
            }
            _ => return None,
        };
        ok(v, "decode")
    }

    fn method(
        &mut self,
        recv: Value,
        method: &str,
        vals: Vec<Value>,
        c: &ruff_python_ast::ExprCall,
        depth: u32,
    ) -> Option<(Value, &'static str)> {
        match (recv, method, vals.as_slice()) {
            (Value::Str(sep), "join", [v]) => {
                let out = join_bytes(sep.as_bytes(), &iterate(v.clone())?, |it| match it {
                    Value::Str(s) => Some(s.as_bytes()),
                    _ => None,
                })?;
                // Joining UTF-8 strings with a UTF-8 separator stays UTF-8.
                ok(Value::Str(String::from_utf8(out).ok()?), "join")
            }
            (Value::Bytes(sep), "join", [v]) => {
                let out = join_bytes(&sep, &iterate(v.clone())?, |it| match it {
                    Value::Bytes(b) => Some(b.as_slice()),
                    _ => None,
                })?;
                ok(Value::Bytes(out), "join")
            }
            (Value::Str(s), "replace", [Value::Str(a), Value::Str(b)]) => {
                if a.is_empty() {
                    return None;
                }
                ok(Value::Str(s.replace(a.as_str(), b)), "replace")
            }
            (Value::Str(s), "lower", []) => ok(Value::Str(s.to_lowercase()), "lower"),
            (Value::Str(s), "upper", []) => ok(Value::Str(s.to_uppercase()), "upper"),
            (Value::Str(s), "strip", []) => ok(Value::Str(s.trim().to_string()), "strip"),
            (Value::Str(s), "lstrip", []) => ok(Value::Str(s.trim_start().to_string()), "strip"),
            (Value::Str(s), "rstrip", []) => ok(Value::Str(s.trim_end().to_string()), "strip"),
            (Value::Str(s), "swapcase", []) => ok(
                Value::Str(
                    s.chars()
                        .map(|c| {
                            if c.is_uppercase() {
                                c.to_lowercase().next().unwrap_or(c)
                            } else {
                                c.to_uppercase().next().unwrap_or(c)
                            }
                        })
                        .collect(),
                ),
                "swapcase",
            ),
            (Value::Str(s), "encode", _) => ok(Value::Bytes(s.into_bytes()), "encode"),
            (Value::Str(s), "format", _) => {
                let mut kw = Vec::new();
                for k in c.arguments.keywords.iter() {
                    let name = k.arg.as_ref()?.id.to_string();
                    kw.push((name, self.val(&k.value, depth)?));
                }
                ok(Value::Str(format_template(&s, &vals, &kw)?), "format")
            }
            (Value::Bytes(b), "decode", []) => ok(Value::Str(String::from_utf8(b).ok()?), "decode"),
            (Value::Bytes(b), "decode", [Value::Str(enc), ..]) => {
                let s = match enc.to_ascii_lowercase().replace('_', "-").as_str() {
                    "utf-8" | "utf8" | "ascii" => String::from_utf8(b).ok()?,
                    "latin-1" | "latin1" | "iso-8859-1" => b.iter().map(|&c| c as char).collect(),
                    _ => return None,
                };
                ok(Value::Str(s), "decode")
            }
            (Value::Bytes(b), "hex", []) => ok(Value::Str(hex::encode(b)), "hex"),
            _ => None,
        }
    }
}

/// Functions [`Folder::call`] evaluates.
fn is_fold_function(name: &str) -> bool {
    matches!(
        name,
        "chr"
            | "ord"
            | "str"
            | "bytes"
            | "bytearray"
            | "bytes.fromhex"
            | "bytearray.fromhex"
            | "binascii.unhexlify"
            | "binascii.a2b_hex"
            | "base64.b64decode"
            | "base64.standard_b64decode"
            | "base64.urlsafe_b64decode"
            | "base64.b32decode"
            | "base64.b16decode"
            | "base64.b85decode"
            | "base64.a85decode"
            | "binascii.a2b_base64"
            | "codecs.decode"
            | "codecs.encode"
            | "map"
            | "list"
            | "tuple"
            | "reversed"
    )
}

/// The elements of an iterable constant.
fn iterate(v: Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l),
        Value::Str(s) => {
            if s.chars().count() > MAX_ITEMS {
                return None;
            }
            Some(s.chars().map(|c| Value::Str(c.to_string())).collect())
        }
        Value::Bytes(b) => Some(b.into_iter().map(|c| Value::Int(i64::from(c))).collect()),
        _ => None,
    }
}

fn func_value(name: &str) -> Option<Value> {
    match name {
        "chr" => Some(Value::Func("chr")),
        "str" => Some(Value::Func("str")),
        "ord" => Some(Value::Func("ord")),
        _ => None,
    }
}

fn apply(f: &str, v: Value) -> Option<Value> {
    match (f, v) {
        ("chr", Value::Int(i)) => Some(Value::Str(
            char::from_u32(u32::try_from(i).ok()?)?.to_string(),
        )),
        ("str", v) => Some(Value::Str(to_str(&v)?)),
        ("ord", Value::Str(s)) if s.chars().count() == 1 => {
            Some(Value::Int(i64::from(u32::from(s.chars().next()?))))
        }
        _ => None,
    }
}

/// `str(v)` for the values where it is unambiguous.
fn to_str(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn binop(l: Value, op: Operator, r: Value) -> Option<(Value, &'static str)> {
    match (op, l, r) {
        (Operator::Add, Value::Str(a), Value::Str(b)) => {
            if a.len() + b.len() > MAX_LEN {
                return None;
            }
            ok(Value::Str(a + &b), "concat")
        }
        (Operator::Add, Value::Bytes(mut a), Value::Bytes(b)) => {
            if a.len() + b.len() > MAX_LEN {
                return None;
            }
            a.extend(b);
            ok(Value::Bytes(a), "concat")
        }
        (Operator::Add, Value::List(mut a), Value::List(b)) => {
            if a.len() + b.len() > MAX_ITEMS {
                return None;
            }
            a.extend(b);
            ok(Value::List(a), "concat")
        }
        (Operator::Mult, Value::Str(s), Value::Int(n))
        | (Operator::Mult, Value::Int(n), Value::Str(s)) => {
            let n = usize::try_from(n.max(0)).ok()?;
            if s.len().checked_mul(n)? > MAX_LEN {
                return None;
            }
            ok(Value::Str(s.repeat(n)), "repeat")
        }
        (Operator::Mult, Value::List(l), Value::Int(n))
        | (Operator::Mult, Value::Int(n), Value::List(l)) => {
            let n = usize::try_from(n.max(0)).ok()?;
            if l.len().checked_mul(n)? > MAX_ITEMS {
                return None;
            }
            let mut out = Vec::with_capacity(l.len() * n);
            for _ in 0..n {
                out.extend(l.iter().cloned());
            }
            ok(Value::List(out), "repeat")
        }
        (Operator::Mod, Value::Str(t), args) => {
            let args = match args {
                Value::List(l) => l,
                other => vec![other],
            };
            ok(Value::Str(percent_format(&t, &args)?), "format")
        }
        (op, Value::Int(a), Value::Int(b)) => {
            let v = match op {
                Operator::Add => a.checked_add(b)?,
                Operator::Sub => a.checked_sub(b)?,
                Operator::Mult => a.checked_mul(b)?,
                // Python floors (`-7 // 2 == -4`); `checked_*` avoids the `MIN / -1` overflow.
                Operator::FloorDiv => {
                    let q = a.checked_div(b)?;
                    if (a % b != 0) && ((a < 0) != (b < 0)) {
                        q - 1
                    } else {
                        q
                    }
                }
                Operator::Mod => {
                    let r = a.checked_rem(b)?;
                    if r != 0 && ((r < 0) != (b < 0)) {
                        r + b
                    } else {
                        r
                    }
                }
                Operator::BitXor => a ^ b,
                Operator::BitOr => a | b,
                Operator::BitAnd => a & b,
                Operator::LShift if (0..32).contains(&b) => a.checked_shl(b as u32)?,
                Operator::RShift if (0..64).contains(&b) => a >> b,
                _ => return None,
            };
            Some((Value::Int(v), "arith"))
        }
        _ => None,
    }
}

fn index(i: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if i < 0 { i + len } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

/// Python slicing semantics over a sequence constant.
fn slice(v: Value, lo: Option<i64>, hi: Option<i64>, step: Option<i64>) -> Option<Value> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return None;
    }
    let pick = |len: usize| -> Vec<usize> {
        let n = len as i64;
        let norm = |x: i64, lo_b: i64, hi_b: i64| {
            let x = if x < 0 { x + n } else { x };
            x.clamp(lo_b, hi_b)
        };
        let mut out = Vec::new();
        if step > 0 {
            let mut i = lo.map_or(0, |x| norm(x, 0, n));
            let end = hi.map_or(n, |x| norm(x, 0, n));
            while i < end {
                out.push(i as usize);
                i += step;
            }
        } else {
            let mut i = lo.map_or(n - 1, |x| norm(x, -1, n - 1));
            let end = hi.map_or(-1, |x| norm(x, -1, n - 1));
            while i > end {
                out.push(i as usize);
                i += step;
            }
        }
        out
    };
    match v {
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            Some(Value::Str(
                pick(chars.len()).into_iter().map(|i| chars[i]).collect(),
            ))
        }
        Value::Bytes(b) => Some(Value::Bytes(
            pick(b.len()).into_iter().map(|i| b[i]).collect(),
        )),
        Value::List(l) => Some(Value::List(
            pick(l.len()).into_iter().map(|i| l[i].clone()).collect(),
        )),
        _ => None,
    }
}

/// `template % args` for `%s`, `%d`, `%i`, `%c`, `%x`, `%%` without flags.
fn percent_format(t: &str, args: &[Value]) -> Option<String> {
    let mut out = String::new();
    let mut it = t.chars();
    let mut args = args.iter();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match it.next()? {
            '%' => out.push('%'),
            's' => out.push_str(&to_str(args.next()?)?),
            'd' | 'i' => match args.next()? {
                Value::Int(i) => out.push_str(&i.to_string()),
                _ => return None,
            },
            'x' => match args.next()? {
                Value::Int(i) => out.push_str(&format!("{i:x}")),
                _ => return None,
            },
            'c' => match args.next()? {
                Value::Int(i) => out.push(char::from_u32(u32::try_from(*i).ok()?)?),
                Value::Str(s) if s.chars().count() == 1 => out.push_str(s),
                _ => return None,
            },
            _ => return None,
        }
        if out.len() > MAX_LEN {
            return None;
        }
    }
    if args.next().is_some() {
        return None;
    }
    Some(out)
}

/// `template.format(*args, **kw)` for `{}`, `{0}`, `{name}` fields without attributes,
/// indexes, conversions or specs.
fn format_template(t: &str, args: &[Value], kw: &[(String, Value)]) -> Option<String> {
    let mut out = String::new();
    let mut auto = 0usize;
    let mut rest = t;
    while let Some(p) = rest.find(['{', '}']) {
        out.push_str(&rest[..p]);
        let tail = &rest[p..];
        if let Some(r) = tail.strip_prefix("{{") {
            out.push('{');
            rest = r;
            continue;
        }
        if let Some(r) = tail.strip_prefix("}}") {
            out.push('}');
            rest = r;
            continue;
        }
        if tail.starts_with('}') {
            return None;
        }
        let end = tail.find('}')?;
        let field = &tail[1..end];
        let v = if field.is_empty() {
            auto += 1;
            args.get(auto - 1)?
        } else if let Ok(i) = field.parse::<usize>() {
            args.get(i)?
        } else if field.chars().all(|c| c.is_alphanumeric() || c == '_') {
            &kw.iter().find(|(k, _)| k == field)?.1
        } else {
            return None;
        };
        out.push_str(&to_str(v)?);
        if out.len() > MAX_LEN {
            return None;
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

fn b64(func: &str, data: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    let clean: Vec<u8> = data
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    match func {
        "base64.urlsafe_b64decode" => URL_SAFE.decode(&clean).ok(),
        "base64.b16decode" => hex::decode(&clean).ok(),
        "base64.b64decode" | "base64.standard_b64decode" | "binascii.a2b_base64" => {
            STANDARD.decode(&clean).ok()
        }
        _ => None,
    }
}

fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

/// `l <op> r` on folded constants (used for `n += "x"`).
pub fn fold_binop(l: Value, op: Operator, r: Value) -> Option<Value> {
    binop(l, op, r).map(|(v, _)| v)
}

/// `sep.join(items)` over the byte form of each item (`part` picks it, `None` = not foldable),
/// refusing results longer than [`MAX_LEN`].
fn join_bytes(
    sep: &[u8],
    items: &[Value],
    part: impl Fn(&Value) -> Option<&[u8]>,
) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(part(it)?);
        if out.len() > MAX_LEN {
            return None;
        }
    }
    Some(out)
}
