//! Unit tests per facts concern, each with positive and negative examples.

use pywarden::facts::{Facts, extract};
use pywarden::parse::Limits;

fn facts(src: &str) -> Facts {
    extract(src.as_bytes(), &Limits::default()).unwrap_or_else(|e| panic!("{e} in {src:?}"))
}

mod imports {
    use super::facts;

    #[test]
    fn static_forms() {
        let f = facts(
            "import a.b as c\nfrom x.y import z as w\nfrom ..rel import q\nfrom m import *\n",
        );
        let i = &f.imports;
        assert_eq!(i.len(), 4);
        assert_eq!(
            (
                i[0].kind.as_str(),
                i[0].module.as_deref(),
                i[0].top.as_deref(),
                i[0].alias.as_deref()
            ),
            ("import", Some("a.b"), Some("a"), Some("c"))
        );
        assert_eq!(
            (
                i[1].kind.as_str(),
                i[1].module.as_deref(),
                i[1].name.as_deref(),
                i[1].alias.as_deref()
            ),
            ("from", Some("x.y"), Some("z"), Some("w"))
        );
        assert_eq!(
            (i[2].level, i[2].module.as_deref(), i[2].top.as_deref()),
            (2, Some("rel"), Some("rel"))
        );
        assert_eq!(i[3].name.as_deref(), Some("*"));
        assert_eq!((i[0].loc.line, i[1].loc.line), (1, 2));
    }

    #[test]
    fn dynamic_forms() {
        let f = facts(
            "import importlib\n__import__('o' + 's')\nimportlib.import_module('sub' 'process')\nimportlib.import_module(name)\n",
        );
        let d: Vec<_> = f.imports.iter().filter(|i| i.kind == "dynamic").collect();
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].module.as_deref(), Some("os"));
        assert_eq!(d[1].module.as_deref(), Some("subprocess"));
        assert_eq!(d[2].module, None);
        assert_eq!(d[2].top, None);
    }

    #[test]
    fn loader_and_spec() {
        let f = facts("l = __loader__\nimport random\nrandom.__spec__\n");
        let l: Vec<_> = f.imports.iter().filter(|i| i.kind == "loader").collect();
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].module.as_deref(), Some("random"));
        // Negative: an attribute that merely looks similar.
        let f = facts("x.loader\nx.spec\n");
        assert!(f.imports.is_empty());
    }

    #[test]
    fn from_import_is_a_member_access() {
        let f = facts("from contextlib import os\nfrom random import _os\n");
        let a = &f.attributes;
        assert_eq!(
            (
                a[0].attr.as_str(),
                a[0].kind.as_str(),
                a[0].via.as_str(),
                a[0].module.as_deref()
            ),
            ("os", "member", "import", Some("contextlib"))
        );
        assert_eq!(a[1].kind, "private");
        // Relative imports name no absolute module: no member access.
        assert!(facts("from . import x\n").attributes.is_empty());
    }
}

mod names {
    use super::facts;

    fn contexts(src: &str, name: &str) -> Vec<String> {
        facts(src)
            .names
            .iter()
            .filter(|n| n.name == name)
            .map(|n| n.context.clone())
            .collect()
    }

    #[test]
    fn every_context() {
        assert_eq!(contexts("eval('1')\n", "eval"), ["call"]);
        assert_eq!(contexts("f = eval\n", "eval"), ["load"]);
        assert_eq!(contexts("@exec\ndef f(): pass\n", "exec"), ["decorator"]);
        assert_eq!(contexts("list(map(eval, xs))\n", "eval"), ["argument"]);
        assert_eq!(contexts("g = lambda f=open: f\n", "open"), ["default"]);
        assert_eq!(contexts("def g(f=open): pass\n", "open"), ["default"]);
        assert_eq!(
            contexts("input = 1\ndel input\n", "input"),
            ["store", "del"]
        );
    }

    #[test]
    fn inert_builtins_are_not_reported() {
        let f = facts("print(len(range(3)), isinstance(1, int), sorted([1]), ValueError)\n");
        assert!(f.names.is_empty(), "{:?}", f.names);
    }

    #[test]
    fn shadowing_and_imports() {
        let f = facts("def open(p): pass\nopen('x')\n");
        assert!(f.names.iter().all(|n| n.shadowed));
        let f = facts("eval('1')\n");
        assert!(!f.names[0].shadowed);
        // `from os import open` binds a module member, not the builtin.
        let f = facts("from os import open\nopen('x', 0)\n");
        assert!(f.names.is_empty());
        assert_eq!(f.calls[0].func, "os.open");
    }

    #[test]
    fn nfkc_identifiers() {
        let f = facts("ｅｖａｌ('1')\n");
        assert_eq!(f.names[0].name, "eval");
        assert_eq!(f.names[0].raw.as_deref(), Some("ｅｖａｌ"));
        assert_eq!(f.calls[0].func, "eval");
        assert_eq!(facts("eval('1')\n").names[0].raw, None);
    }
}

mod attributes {
    use super::facts;

    fn attrs(src: &str) -> Vec<(String, String, String)> {
        facts(src)
            .attributes
            .iter()
            .map(|a| (a.attr.clone(), a.kind.clone(), a.via.clone()))
            .collect()
    }

    fn t(a: &str, k: &str, v: &str) -> (String, String, String) {
        (a.into(), k.into(), v.into())
    }

    #[test]
    fn dunder_and_frame() {
        assert_eq!(
            attrs("().__class__.__base__\n"),
            [
                t("__base__", "dunder", "attribute"),
                t("__class__", "dunder", "attribute")
            ]
        );
        assert_eq!(
            attrs("g.gi_frame.f_back\n"),
            [
                t("f_back", "frame", "attribute"),
                t("gi_frame", "frame", "attribute")
            ]
        );
        assert!(attrs("self.name\nobj._private\nx.frame\n").is_empty());
    }

    #[test]
    fn module_members_through_aliases() {
        let f = facts("import random\nm = random\nm._os\nimport typing\ntyping.sys\n");
        let a = &f.attributes;
        assert_eq!(
            (
                a[0].attr.as_str(),
                a[0].kind.as_str(),
                a[0].module.as_deref()
            ),
            ("_os", "private", Some("random"))
        );
        assert_eq!(
            (
                a[1].attr.as_str(),
                a[1].kind.as_str(),
                a[1].module.as_deref()
            ),
            ("sys", "member", Some("typing"))
        );
        // After rebinding, `m` is no longer the module.
        let f = facts("import random\nm = random\nm = 3\nm._os\n");
        assert!(f.attributes.is_empty());
    }

    #[test]
    fn raw_spelling_and_chains() {
        let f = facts("x.__ｃｌａｓｓ__\nx.__class__\n");
        assert_eq!(f.attributes[0].attr, "__class__");
        assert_eq!(f.attributes[0].raw.as_deref(), Some("__ｃｌａｓｓ__"));
        assert_eq!(f.attributes[1].raw, None);
        let f = facts("import typing\ntyping.sys.modules\n");
        let a: Vec<_> = f
            .attributes
            .iter()
            .map(|a| (a.attr.as_str(), a.module.as_deref()))
            .collect();
        assert_eq!(
            a,
            [("modules", Some("typing.sys")), ("sys", Some("typing"))]
        );
        let f = facts("t = '{0.__class__}'\nt.format(x)\n");
        assert!(f.attributes.iter().any(|a| a.via == "format"));
    }

    #[test]
    fn format_templates() {
        assert_eq!(
            attrs("'{0.__class__}'.format(x)\n"),
            [t("__class__", "dunder", "format")]
        );
        assert_eq!(
            attrs("'{a.gi_frame}'.format_map(d)\n"),
            [t("gi_frame", "frame", "format")]
        );
        assert_eq!(
            attrs("str.format('{0.__globals__}', f)\n"),
            [t("__globals__", "dunder", "format")]
        );
        assert!(attrs("'{0.name} {{0.__class__}}'.format(x)\n").is_empty());
    }

    #[test]
    fn getattr_family() {
        let f =
            facts("getattr(f, '__glo' + 'bals__')\nsetattr(f, 'x', 1)\ndelattr(f, '__doc__')\n");
        let a = &f.attributes;
        assert_eq!(
            (a[0].attr.as_str(), a[0].via.as_str(), a[0].context.as_str()),
            ("__globals__", "getattr", "load")
        );
        assert_eq!(
            (a[1].kind.as_str(), a[1].context.as_str()),
            ("other", "store")
        );
        assert_eq!(a[2].context, "del");
        let f = facts("getattr(f, name)\n");
        assert!(f.attributes.is_empty());
        assert!(!f.calls[0].constant_args);
    }

    #[test]
    fn strings_naming_attributes() {
        assert_eq!(
            attrs("import operator\noperator.attrgetter('a.__globals__')\n"),
            [
                t("__globals__", "dunder", "string"),
                t("attrgetter", "member", "attribute")
            ]
        );
        assert_eq!(
            attrs("d['__builtins__']\n"),
            [t("__builtins__", "dunder", "string")]
        );
        assert!(attrs("d['key']\nprint('hello.world')\n").is_empty());
    }
}

mod calls {
    use super::facts;

    #[test]
    fn resolved_targets() {
        let f = facts(
            "import subprocess as sp\nfrom os import system as s\nsp.run(['ls'])\ns('id')\nb = __builtins__\nb.exec('1')\ne = eval\ne('2')\n",
        );
        let funcs: Vec<_> = f.calls.iter().map(|c| c.func.as_str()).collect();
        assert_eq!(funcs, ["subprocess.run", "os.system", "exec", "eval"]);
        assert_eq!(f.calls[1].args, [Some("id".to_string())]);
        assert!(f.calls[1].constant_args);
        assert!(!f.calls[0].constant_args);
    }

    #[test]
    fn unremarkable_calls_are_not_reported() {
        let f = facts("len(x)\nself.run()\nprint('a')\nx.split(',')\n'a'.join(y)\n");
        assert!(f.calls.is_empty(), "{:?}", f.calls);
    }

    #[test]
    fn builtins_module_members_are_builtins() {
        let f =
            facts("from builtins import exec as e\ne('1')\nimport builtins as b\nb.eval('2')\n");
        let funcs: Vec<_> = f.calls.iter().map(|c| c.func.as_str()).collect();
        assert_eq!(funcs, ["exec", "eval"]);
        let f = facts("__builtins__.__dict__['compile']('x', 'f', 'exec')\n");
        assert_eq!(f.calls[0].func, "compile");
    }

    #[test]
    fn getattr_chains_resolve() {
        let f = facts("import os\ngetattr(os, 'sys' + 'tem')('id')\n");
        let funcs: Vec<_> = f.calls.iter().map(|c| c.func.as_str()).collect();
        assert_eq!(funcs, ["os.system", "getattr"]);
        let f = facts("import sys\nsys.modules['os'].system('x')\n");
        assert_eq!(f.calls[0].func, "os.system");
        let f = facts("globals()['__builtins__'].eval('1')\n");
        assert!(f.calls.iter().any(|c| c.func == "eval"));
    }
}

mod strings {
    use super::facts;

    fn values(src: &str) -> Vec<(String, String)> {
        facts(src)
            .strings
            .iter()
            .map(|s| (s.value.clone(), s.how.clone()))
            .collect()
    }

    fn v(value: &str, how: &str) -> (String, String) {
        (value.into(), how.into())
    }

    #[test]
    fn folds() {
        assert_eq!(
            values("x = '__im' + 'port__'\n"),
            [v("__import__", "concat")]
        );
        assert_eq!(values("x = '%s%s' % ('ev', 'al')\n"), [v("eval", "format")]);
        assert_eq!(
            values("x = '{}{}'.format('ex', 'ec')\n"),
            [v("exec", "format")]
        );
        assert_eq!(values("w = 'sys'\nx = f'o{w[0]}'\n"), [v("os", "fstring")]);
        assert_eq!(
            values("x = ''.join(map(chr, [101, 118, 97, 108]))\n"),
            [v("eval", "join")]
        );
        assert_eq!(
            values("x = ''.join([chr(c) for c in [111, 115]])\n"),
            [v("os", "join")]
        );
        assert_eq!(
            values("x = bytes([111, 115]).decode()\n"),
            [v("os", "decode")]
        );
        assert_eq!(values("x = bytes.fromhex('6f73')\n"), [v("os", "decode")]);
        assert_eq!(
            values("import base64\nx = base64.b64decode('ZXZhbA==')\n"),
            [v("eval", "decode")]
        );
        assert_eq!(values("x = 'lave'[::-1]\n"), [v("eval", "slice")]);
        assert_eq!(values("x = 'EXEC'.lower()\n"), [v("exec", "lower")]);
        assert_eq!(
            values("x = 'sXs'.replace('X', 'y')\n"),
            [v("sys", "replace")]
        );
        assert_eq!(
            values("n = '__im'\nx = n + 'port__'\n"),
            [v("__import__", "concat")]
        );
        assert_eq!(
            values("n = '__im'\nn += 'port__'\nx = n[:]\n"),
            [v("__import__", "slice")]
        );
    }

    #[test]
    fn integer_arithmetic_is_python_like_and_never_panics() {
        // -7 // 2 == -4 and -7 % 2 == 1 in Python; chr(101) == "e".
        assert_eq!(
            values("x = chr(-7 // 2 + 105) + chr(-7 % 2 + 100)\n"),
            [v("ee", "concat")]
        );
        // i64::MIN // -1 overflows in Rust: no fold, no panic.
        let f =
            facts("m = -9223372036854775807 - 1\nx = str(m // -1) + 'a'\ny = str(m % -1) + 'b'\n");
        assert!(f.strings.iter().all(|s| s.value != "a"));
    }

    #[test]
    fn does_not_fold() {
        assert!(values("x = 'a' + unknown\ny = f'{z}'\nw = 'plain'\n").is_empty());
        // Bounded: a result beyond 4 KiB is not produced.
        assert!(values("x = 'ab' * 5000\n").is_empty());
    }

    #[test]
    fn dunder_literals() {
        assert_eq!(
            values("x = '__dict__'\ny = '_private'\n"),
            [v("__dict__", "literal")]
        );
    }
}

mod complexity {
    use super::facts;

    #[test]
    fn bombs() {
        let b = facts("a = 10 ** 10 ** 10\nb = 2**2**2**2**2\nc = 'a' * 10**9\nd = [0] * 10**10\ne = x * (1 << 40)\nf = 1 << 10**10\ng = list(range(10**12))\nh = bytearray(10**10)\n").complexity.bombs;
        let kinds: Vec<_> = b
            .iter()
            .map(|b| (b.kind.as_str(), b.log10_size.floor() as i64, b.loc.line))
            .collect();
        assert_eq!(
            kinds,
            [
                ("power", 10, 1),
                ("power", 4, 2),
                ("repeat", 9, 3),
                ("repeat", 10, 4),
                ("repeat", 12, 5),
                ("shift", 9, 6),
                ("alloc", 12, 7),
                ("alloc", 10, 8)
            ]
        );
        let none =
            facts("a = 2 ** 10\nb = '-' * 70\nc = t * 10**9\nd = x ** -5\ne = range(1 << 1000)\n")
                .complexity
                .bombs;
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn infinite_loops() {
        let f = facts(
            "while True:\n    pass\nwhile 1:\n    if x:\n        break\nwhile True:\n    for i in y:\n        break\ndef f():\n    while True:\n        return 1\nwhile x:\n    pass\ndef g():\n    while True:\n        yield 1\nwhile True:\n    raise X\n",
        );
        let lines: Vec<_> = f.complexity.infinite_loops.iter().map(|l| l.line).collect();
        assert_eq!(lines, [1, 6]);
    }

    #[test]
    fn cyclomatic_and_nesting() {
        let src = "def f(a, b):\n    if a and b:\n        for i in a:\n            pass\n    elif b:\n        pass\n    return [x for x in a if x]\n\nx = 1 if y else 2\n";
        let c = facts(src).complexity;
        // f: 1 + if + and + for + elif + comprehension(for + if) = 7; module: 1 + ternary = 2.
        assert_eq!(c.cyclomatic_max, 7);
        assert_eq!(c.cyclomatic_total, 9);
        assert_eq!(c.cyclomatic_max_at.map(|l| l.line), Some(1));
        assert_eq!(c.max_nesting, 3);
        assert_eq!(c.lines, 9);
        assert!(c.nodes > 20);
    }

    #[test]
    fn sizes() {
        let c = facts("x = [1, 2, 3]\ny = {'a': 1}\nz = 'hello'\n").complexity;
        assert_eq!(c.max_collection_items, 3);
        assert_eq!(c.max_literal_bytes, 5);
        assert_eq!(c.max_expression_depth, 2);
    }
}

mod encoding {
    use super::facts;

    #[test]
    fn trojan_source() {
        let f = facts("s = 'a\u{202E}b'\n# \u{2066}x\u{2069}\n");
        let cps: Vec<_> = f
            .encoding
            .suspicious_chars
            .iter()
            .map(|c| (c.codepoint.as_str(), c.loc.line, c.loc.column))
            .collect();
        assert_eq!(cps, [("U+202E", 1, 7), ("U+2066", 2, 3), ("U+2069", 2, 5)]);
        assert!(facts("s = 'café ü'\n").encoding.suspicious_chars.is_empty());
    }

    #[test]
    fn declaration_and_bom() {
        let f = facts("\u{FEFF}# -*- coding: utf-8 -*-\nx = 1\n");
        assert!(f.encoding.bom);
        assert_eq!(f.encoding.declared.as_deref(), Some("utf-8"));
        assert_eq!(f.encoding.line, Some(1));
        let f = facts("x = 1\n");
        assert!(!f.encoding.bom);
        assert_eq!(f.encoding.declared, None);
    }
}
