//! Builds the policy `input` straight from [`Facts`] as a `regorus::Value` — no JSON round
//! trip — and adds `input.index` (see `policies/index.rego`): attribute accesses grouped by
//! name and by `module.attr`, calls by target, builtin references by name, and the few
//! "special" attribute accesses. Index
//! entries share their objects with the arrays (reference-counted), so the index is cheap.
//! `tests` check that the result equals the serde serialisation of the facts.

use std::collections::BTreeMap;

use regorus::Value;
use regorus::value::Object;

use crate::facts::{Facts, Location};

fn s(v: &str) -> Value {
    Value::from(v)
}

/// Object keys and frequent short values, allocated once per process: building the input
/// allocated a fresh string for every key of every fact (≈ a tenth of the evaluation time).
static INTERNED: std::sync::LazyLock<std::collections::HashMap<&'static str, Value, Fnv>> =
    std::sync::LazyLock::new(|| {
        [
            // keys
            "alias",
            "args",
            "attr",
            "attributes",
            "bom",
            "bombs",
            "calls",
            "codepoint",
            "column",
            "complexity",
            "constant_args",
            "context",
            "cyclomatic_max",
            "cyclomatic_max_at",
            "cyclomatic_total",
            "declared",
            "encoding",
            "func",
            "how",
            "imports",
            "index",
            "infinite_loops",
            "kind",
            "level",
            "line",
            "lines",
            "log10_size",
            "max_collection_items",
            "max_expression_depth",
            "max_literal_bytes",
            "max_nesting",
            "members",
            "module",
            "modules",
            "name",
            "names",
            "nargs",
            "nodes",
            "options",
            "allow_imports",
            "raw",
            "shadowed",
            "special_attributes",
            "strings",
            "suspicious_chars",
            "top",
            "truncated",
            "value",
            "version",
            "via",
            "bytes",
            // frequent values (kinds, contexts, ways a fact was reached)
            "import",
            "from",
            "dynamic",
            "loader",
            "attribute",
            "member",
            "private",
            "dunder",
            "frame",
            "load",
            "store",
            "del",
            "call",
            "argument",
            "decorator",
            "default",
            "literal",
            "format",
            "getattr",
        ]
        .into_iter()
        .map(|k| (k, Value::from(k)))
        .collect()
    });

/// FNV-1a, for the interned-word table: its keys are short, and SipHash showed in profiles
/// (every key of every fact is looked up).
#[derive(Default)]
struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Fnv = std::hash::BuildHasherDefault<FnvHasher>;

/// `v` as a value, shared when it is a known key or frequent word.
pub(crate) fn word(v: &str) -> Value {
    match INTERNED.get(v) {
        Some(x) => x.clone(),
        None => Value::from(v),
    }
}

fn opt(v: &Option<String>) -> Value {
    match v {
        Some(v) => Value::from(v.as_str()),
        None => Value::Null,
    }
}

fn obj<const N: usize>(pairs: [(&str, Value); N], loc: Option<&Location>) -> Value {
    let mut o: Object = pairs.into_iter().map(|(k, v)| (word(k), v)).collect();
    if let Some(l) = loc {
        o.insert(word("line"), Value::from(l.line));
        o.insert(word("column"), Value::from(l.column));
    }
    Value::from(o)
}

/// A located fact object built as a copy of its kind's template: the template (keys of the
/// call site's `pairs` plus `line`/`column`, values null) is built and frozen on first use, and
/// each fact clones it — one allocation — and overwrites the values in place. Building each fact
/// object from scratch (a B-tree, then frozen into a sorted slice) was most of the input cost.
/// Every call site passes the same keys each time, so the template has exactly those keys; the
/// shape also keeps those keys as values, in `pairs` order, so filling a copy looks no word up.
fn located<const N: usize>(shape: &ShapeCell, pairs: [(&str, Value); N], loc: &Location) -> Value {
    let shape = shape.get_or_init(|| {
        let keys: Vec<Value> = pairs
            .iter()
            .map(|(k, _)| *k)
            .chain(["line", "column"])
            .map(word)
            .collect();
        let o: Object = keys.iter().map(|k| (k.clone(), Value::Null)).collect();
        let template = match Value::from(o).as_object() {
            Ok(frozen) => frozen.clone(),
            Err(_) => Object::new(),
        };
        Shape { template, keys }
    });
    let mut o = shape.template.clone();
    let values = pairs
        .into_iter()
        .map(|(_, v)| v)
        .chain([Value::from(loc.line), Value::from(loc.column)]);
    for (key, v) in shape.keys.iter().zip(values) {
        match o.get_mut(key) {
            Some(slot) => *slot = v,
            None => {
                o.insert(key.clone(), v);
            }
        }
    }
    Value::from(o)
}

/// The template of one kind of located fact object, and its keys in fill order.
struct Shape {
    template: Object,
    keys: Vec<Value>,
}

type ShapeCell = std::sync::OnceLock<Shape>;

fn location(l: &Location) -> Value {
    static SHAPE: ShapeCell = ShapeCell::new();
    located(&SHAPE, [], l)
}

fn array(items: Vec<Value>) -> Value {
    Value::from(items)
}

fn group<K: Ord>(map: &mut BTreeMap<K, Vec<Value>>, key: K, v: &Value) {
    map.entry(key).or_default().push(v.clone());
}

fn object_of_groups<K: AsRef<str>>(map: BTreeMap<K, Vec<Value>>) -> Value {
    sorted_object(map.into_iter().map(|(k, v)| (s(k.as_ref()), array(v))))
}

/// An object from pairs whose keys arrive sorted (as `Value`s) and distinct: collected in one
/// bulk build instead of a B-tree insertion (with its key comparisons) per pair.
fn sorted_object(pairs: impl Iterator<Item = (Value, Value)>) -> Value {
    Value::from(Object::from(pairs.collect::<BTreeMap<Value, Value>>()))
}

/// The facts document as policy input, without the index; also the attribute, call and name
/// fact values (shared with the index).
pub fn facts_value(f: &Facts) -> (Value, Vec<Value>, Vec<Value>, Vec<Value>) {
    let p = facts_parts(f);
    (p.doc, p.attributes, p.calls, p.names)
}

/// The facts document and the fact values the index groups.
struct Parts {
    doc: Value,
    imports: Vec<Value>,
    attributes: Vec<Value>,
    calls: Vec<Value>,
    names: Vec<Value>,
}

fn facts_parts(f: &Facts) -> Parts {
    let imports: Vec<Value> = f
        .imports
        .iter()
        .map(|i| {
            static SHAPE: ShapeCell = ShapeCell::new();
            located(
                &SHAPE,
                [
                    ("kind", word(&i.kind)),
                    ("module", opt(&i.module)),
                    ("top", opt(&i.top)),
                    ("name", opt(&i.name)),
                    ("alias", opt(&i.alias)),
                    ("level", Value::from(i.level)),
                ],
                &i.loc,
            )
        })
        .collect();
    let names: Vec<Value> = f
        .names
        .iter()
        .map(|n| {
            static SHAPE: ShapeCell = ShapeCell::new();
            located(
                &SHAPE,
                [
                    ("name", s(&n.name)),
                    ("raw", opt(&n.raw)),
                    ("context", word(&n.context)),
                    ("shadowed", Value::from(n.shadowed)),
                ],
                &n.loc,
            )
        })
        .collect();
    let attributes: Vec<Value> = f
        .attributes
        .iter()
        .map(|a| {
            static SHAPE: ShapeCell = ShapeCell::new();
            located(
                &SHAPE,
                [
                    ("attr", s(&a.attr)),
                    ("kind", word(&a.kind)),
                    ("module", opt(&a.module)),
                    ("via", word(&a.via)),
                    ("context", word(&a.context)),
                    ("raw", opt(&a.raw)),
                ],
                &a.loc,
            )
        })
        .collect();
    let calls: Vec<Value> = f
        .calls
        .iter()
        .map(|c| {
            static SHAPE: ShapeCell = ShapeCell::new();
            located(
                &SHAPE,
                [
                    ("func", s(&c.func)),
                    ("args", array(c.args.iter().map(opt).collect())),
                    ("nargs", Value::from(c.nargs)),
                    ("constant_args", Value::from(c.constant_args)),
                ],
                &c.loc,
            )
        })
        .collect();
    let strings: Vec<Value> = f
        .strings
        .iter()
        .map(|x| {
            static SHAPE: ShapeCell = ShapeCell::new();
            located(
                &SHAPE,
                [("value", s(&x.value)), ("how", word(&x.how))],
                &x.loc,
            )
        })
        .collect();
    let e = &f.encoding;
    let encoding = obj(
        [
            ("declared", opt(&e.declared)),
            ("line", e.line.map(Value::from).unwrap_or(Value::Null)),
            ("bom", Value::from(e.bom)),
            (
                "suspicious_chars",
                array(
                    e.suspicious_chars
                        .iter()
                        .map(|c| {
                            static SHAPE: ShapeCell = ShapeCell::new();
                            located(&SHAPE, [("codepoint", s(&c.codepoint))], &c.loc)
                        })
                        .collect(),
                ),
            ),
        ],
        None,
    );
    let c = &f.complexity;
    let complexity = obj(
        [
            ("bytes", Value::from(c.bytes)),
            ("lines", Value::from(c.lines)),
            ("nodes", Value::from(c.nodes)),
            ("cyclomatic_total", Value::from(c.cyclomatic_total)),
            ("cyclomatic_max", Value::from(c.cyclomatic_max)),
            (
                "cyclomatic_max_at",
                c.cyclomatic_max_at
                    .as_ref()
                    .map(location)
                    .unwrap_or(Value::Null),
            ),
            ("max_nesting", Value::from(c.max_nesting)),
            ("max_expression_depth", Value::from(c.max_expression_depth)),
            ("max_literal_bytes", Value::from(c.max_literal_bytes)),
            ("max_collection_items", Value::from(c.max_collection_items)),
            (
                "bombs",
                array(
                    c.bombs
                        .iter()
                        .map(|b| {
                            obj(
                                [
                                    ("kind", word(&b.kind)),
                                    ("log10_size", Value::from(b.log10_size)),
                                ],
                                Some(&b.loc),
                            )
                        })
                        .collect(),
                ),
            ),
            (
                "infinite_loops",
                array(c.infinite_loops.iter().map(location).collect()),
            ),
        ],
        None,
    );
    let doc = obj(
        [
            ("version", Value::from(f.version)),
            ("imports", array(imports.clone())),
            ("names", array(names.clone())),
            ("attributes", array(attributes.clone())),
            ("calls", array(calls.clone())),
            ("strings", array(strings)),
            ("encoding", encoding),
            ("complexity", complexity),
            ("truncated", Value::from(f.truncated)),
        ],
        None,
    );
    Parts {
        doc,
        imports,
        attributes,
        calls,
        names,
    }
}

/// The full policy input: facts, `index`, and `options.allow_imports` when non-empty.
pub fn input_value(f: &Facts, extra_allowed_imports: &[String]) -> Value {
    let Parts {
        mut doc,
        imports,
        attributes,
        calls,
        names,
    } = facts_parts(f);
    let mut by_attr = BTreeMap::new();
    // Accesses by (module, attribute): the source of both `members` and `modules`.
    let mut by_member: BTreeMap<(&str, &str), Vec<Value>> = BTreeMap::new();
    let mut special = Vec::new();
    for (a, v) in f.attributes.iter().zip(&attributes) {
        group(&mut by_attr, a.attr.as_str(), v);
        if let Some(m) = &a.module {
            group(&mut by_member, (m.as_str(), a.attr.as_str()), v);
        }
        if a.kind == "private" || a.via != "attribute" || a.context != "load" || a.raw.is_some() {
            special.push(v.clone());
        }
    }
    let mut by_func = BTreeMap::new();
    for (c, v) in f.calls.iter().zip(&calls) {
        group(&mut by_func, c.func.as_str(), v);
    }
    let mut by_name = BTreeMap::new();
    for (n, v) in f.names.iter().zip(&names) {
        group(&mut by_name, n.name.as_str(), v);
    }
    // Imports by top-level module; `null` groups those whose module is computed.
    let mut by_top: BTreeMap<Option<&str>, Vec<Value>> = BTreeMap::new();
    for (i, v) in f.imports.iter().zip(&imports) {
        group(&mut by_top, i.top.as_deref(), v);
    }
    // `null` sorts before every string, as `None` before every `Some`.
    let by_top = sorted_object(
        by_top
            .into_iter()
            .map(|(k, v)| (k.map_or(Value::Null, s), array(v))),
    );
    let mut modules: Vec<(Value, Value)> = Vec::new();
    let mut module_attrs: Vec<(Value, Value)> = Vec::new();
    let mut members: Object = Object::new();
    let mut groups = by_member.into_iter().peekable();
    while let Some(((m, attr), v)) = groups.next() {
        let entries = array(v);
        members.insert(s(&format!("{m}.{attr}")), entries.clone());
        module_attrs.push((s(attr), entries));
        if groups.peek().is_none_or(|((next, _), _)| *next != m) {
            let attrs = sorted_object(std::mem::take(&mut module_attrs).into_iter());
            modules.push((s(m), attrs));
        }
    }
    let index = obj(
        [
            ("attributes", object_of_groups(by_attr)),
            ("names", object_of_groups(by_name)),
            ("members", Value::from(members)),
            ("modules", sorted_object(modules.into_iter())),
            ("imports", by_top),
            ("calls", object_of_groups(by_func)),
            ("special_attributes", array(special)),
        ],
        None,
    );
    if let Ok(o) = doc.as_object_mut() {
        o.insert(word("index"), index);
        if !extra_allowed_imports.is_empty() {
            let allow = array(
                extra_allowed_imports
                    .iter()
                    .map(|m| s(m))
                    .collect::<Vec<_>>(),
            );
            o.insert(word("options"), obj([("allow_imports", allow)], None));
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_value_equals_serde_serialisation() {
        let src = "import random as r\nfrom typing import sys\nt = 'a\u{202e}b'\nprint(eval)\nx = r._os\ny = getattr(x, 'a' + 'b')\nwhile True:\n    pass\ns = '{0.__class__}'.format(1)\nz = 10 ** 10 ** 10\n";
        let facts =
            crate::facts::extract(src.as_bytes(), &crate::parse::Limits::default()).unwrap();
        assert!(!facts.attributes.is_empty() && !facts.calls.is_empty());
        assert!(!facts.names.is_empty() && !facts.imports.is_empty() && !facts.strings.is_empty());
        assert!(!facts.encoding.suspicious_chars.is_empty());
        assert!(!facts.complexity.infinite_loops.is_empty() && !facts.complexity.bombs.is_empty());
        let (direct, _, _, _) = facts_value(&facts);
        let via_serde = Value::from(serde_json::to_value(&facts).unwrap());
        assert_eq!(direct, via_serde);
    }

    /// The index built here equals, field by field, the one `policies/index.rego` computes
    /// when `input.index` is absent.
    #[test]
    fn index_equals_the_rego_fallback() {
        let src = "import os, os.path\nimport random as r\nfrom typing import sys\nfrom . import x\n\
                   import importlib\nm = importlib.import_module(name)\n\
                   print(eval)\nx = r._os\ny = getattr(x, 'a' + 'b')\nz = r.randint(1, 2)\n\
                   w = typing.sys.modules\nv = os.path.join('a')\nu = obj.__class__.__mro__\n";
        let facts =
            crate::facts::extract(src.as_bytes(), &crate::parse::Limits::default()).unwrap();
        let input = input_value(&facts, &[]);
        let index = input["index"].clone();
        for key in [
            "attributes",
            "names",
            "members",
            "modules",
            "imports",
            "calls",
        ] {
            assert!(
                index[key].as_object().is_ok_and(|o| !o.is_empty()),
                "{key} is empty: the test source must exercise it"
            );
        }
        let set = crate::policy::PolicySet::embedded();
        let data = set.merged_data(&[]).unwrap();
        let mut engine = crate::policy::build_engine(&set, &data, false).unwrap();
        engine.set_input(facts_value(&facts).0);
        let fallback = engine
            .eval_rule("data.pywarden.rego_index".to_string())
            .unwrap();
        assert_eq!(index, fallback);
    }
}
