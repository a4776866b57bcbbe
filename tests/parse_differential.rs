//! Differential test of pywarden's syntax verdict against CPython's `ast.parse`, for the
//! interpreter pywarden runs (`/root/.pyenv/versions/3.11.7/bin/python3`, else `python3`;
//! pywarden is configured for that interpreter's version).
//!
//! Inputs: every file of `corpus/`, every committed fuzz seed of `fuzz/corpus/analyze`,
//! deterministic mutations of them (tokens deleted or duplicated, truncation, brackets, quotes,
//! indentation and newer-version syntax inserted) and deterministic programs composed from
//! fragments (valid, invalid, 3.12+-only and semantic-only snippets), all from a seeded PRNG.
//! One long-lived Python process answers every input (length-prefixed on stdin).
//!
//! The oracle: CPython accepts → pywarden reports no `syntax-error` (it may still refuse the
//! unit for a limit: `too-deep`, `encoding`...); CPython rejects → pywarden never says valid.
//!
//! Semantic-only differences: `ast.parse` builds a tree for some code that `compile()` then
//! rejects ([`SEMANTIC_ONLY`]). pywarden follows `ast.parse` and accepts them: CPython raises
//! `SyntaxError` for them at compile time, before any statement runs, so accepting them cannot
//! let code run, and the gate still analyses (and may deny) them. The test checks each listed
//! case against both CPython calls and pywarden.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use pywarden::parse::Limits;

/// Code `ast.parse` accepts and `compile()` rejects; pywarden accepts it, like `ast.parse`.
/// Each entry: the source and why CPython's compiler (not its parser) refuses it.
const SEMANTIC_ONLY: &[(&str, &str)] = &[
    (
        "def f(a, a):\n    pass\n",
        "duplicate argument: a symbol-table error",
    ),
    ("return 1\n", "'return' outside function: a compiler error"),
    ("yield 1\n", "'yield' outside function: a compiler error"),
    ("await x\n", "'await' outside function: a compiler error"),
    (
        "nonlocal x\n",
        "nonlocal at module level: a symbol-table error",
    ),
    ("break\n", "'break' outside loop: a compiler error"),
    (
        "continue\n",
        "'continue' not properly in loop: a compiler error",
    ),
    (
        "*a = 1\n",
        "starred assignment target must be in a list or tuple: compiler",
    ),
    (
        "a, *b, *c = d\n",
        "multiple starred expressions in assignment: compiler",
    ),
    (
        "from __future__ import braces\n",
        "not a chance: the future-feature check",
    ),
    (
        "x = 1\nfrom __future__ import annotations\n",
        "__future__ imports must occur at the beginning of the file: compiler",
    ),
    (
        "def f():\n    x = 1\n    global x\n",
        "name assigned to before global declaration: symbol table",
    ),
    (
        "def f():\n    from os import *\n",
        "import * only allowed at module level: symbol table",
    ),
    (
        "[x := 0 for x in y]\n",
        "assignment expression cannot rebind comprehension iteration variable: symbol table",
    ),
    (
        "class C:\n    nonlocal x\n",
        "nonlocal declaration not allowed at class level",
    ),
    (
        "def f():\n    def g():\n        nonlocal z\n",
        "no binding for nonlocal 'z' found: symbol table",
    ),
    ("f(a=1, a=2)\n", "keyword argument repeated: compiler"),
    ("__debug__ = 1\n", "cannot assign to __debug__: compiler"),
    ("x = *a\n", "can't use starred expression here: compiler"),
    (
        "def f(x):\n    global x\n",
        "name 'x' is parameter and global: symbol table",
    ),
    (
        "match x:\n    case a | b:\n        pass\n",
        "name capture 'a' makes remaining patterns unreachable: compiler",
    ),
];

/// The interpreter pywarden runs, or `python3`.
fn python() -> PathBuf {
    let pinned = Path::new("/root/.pyenv/versions/3.11.7/bin/python3");
    if pinned.exists() {
        pinned.to_path_buf()
    } else {
        PathBuf::from("python3")
    }
}

const ORACLE: &str = r#"
import ast, sys
inp, out = sys.stdin.buffer, sys.stdout
out.write("%d.%d\n" % sys.version_info[:2]); out.flush()
while True:
    head = inp.readline()
    if not head:
        break
    mode, n = head.split()
    src = inp.read(int(n))
    try:
        if mode == b"A":
            ast.parse(src)
        else:
            compile(src, "<input>", "exec", dont_inherit=True)
        r = "ok"
    except SyntaxError as e:
        r = "reject %s" % type(e).__name__
    except (ValueError, MemoryError, RecursionError, UnicodeError, OverflowError) as e:
        r = "reject %s" % type(e).__name__
    out.write(r + "\n"); out.flush()
"#;

/// One long-lived CPython answering `ast.parse` / `compile` for length-prefixed inputs.
struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    version: (u8, u8),
}

impl Oracle {
    fn start() -> Self {
        let mut child = Command::new(python())
            .args(["-I", "-S", "-W", "ignore", "-c", ORACLE])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python().display()));
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let (major, minor) = line.trim().split_once('.').expect("version line");
        Self {
            child,
            stdin,
            stdout,
            version: (major.parse().unwrap(), minor.parse().unwrap()),
        }
    }

    fn ask(&mut self, mode: char, src: &[u8]) -> Result<(), String> {
        writeln!(self.stdin, "{mode} {}", src.len()).unwrap();
        self.stdin.write_all(src).unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        match line.trim() {
            "ok" => Ok(()),
            "" => panic!("the CPython oracle died"),
            other => Err(other.to_string()),
        }
    }

    /// `ast.parse(src)`.
    fn parses(&mut self, src: &[u8]) -> Result<(), String> {
        self.ask('A', src)
    }

    /// `compile(src, ..., "exec")`.
    fn compiles(&mut self, src: &[u8]) -> Result<(), String> {
        self.ask('C', src)
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// pywarden's verdict on a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Valid,
    SyntaxError(String),
    /// Refused before or after parsing for a limit or the encoding (not a syntax verdict).
    Refused(String),
}

fn limits_for(version: (u8, u8)) -> Limits {
    Limits {
        python_version: ruff_python_ast::PythonVersion {
            major: version.0,
            minor: version.1,
        },
        ..Limits::default()
    }
}

fn pywarden(src: &[u8], limits: &Limits) -> Verdict {
    match pywarden::facts::extract(src, limits) {
        Ok(_) => Verdict::Valid,
        Err(e) if e.kind == "syntax-error" => {
            Verdict::SyntaxError(format!("{} at {}:{}", e.message, e.line, e.column))
        }
        Err(e) => Verdict::Refused(format!("{}: {}", e.kind, e.message)),
    }
}

// ---------------------------------------------------------------- inputs

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Statement fragments: valid 3.11, newer-version-only, invalid, and semantic-only code.
const FRAGMENTS: &[&str] = &[
    // valid in 3.11
    "x = 1",
    "print(x)",
    "import os.path as p",
    "from a import (b, c as d)",
    "from . import *",
    "def f(a, /, b, *, c=1, **k):\n    return a",
    "class C(B, metaclass=M):\n    pass",
    "y = lambda x, *a, k=1: x",
    "z = [y for y in range(3) if y]",
    "w = {k: v for k, v in d.items()}",
    "with open(p) as f, g() as h:\n    pass",
    "with (a as b, c as d):\n    pass",
    "async def g():\n    await h()\n    async for i in j:\n        pass\n    async with k:\n        pass",
    "try:\n    pass\nexcept* ValueError:\n    pass",
    "match p:\n    case [1, *rest]:\n        pass\n    case {'k': v, **kw}:\n        pass\n    case C(a=1) | D():\n        pass\n    case _:\n        pass",
    "s = f'{a!r:>{w}}'",
    "s = f'{a}' f\"{b}\" 'c'",
    "s = f'{x:{\"<\"}10}'",
    "print(*a, **k)",
    "a[1:2, ::3]",
    "v = y if z else w",
    "global g",
    "del a[0], b.c",
    "assert x, 'm'",
    "raise E from e",
    "while x:\n    break\nelse:\n    pass",
    "if (n := len(a)) > 10:\n    pass",
    "@dec\n@dec2(1)\ndef h():\n    pass",
    "@x[0].y\ndef h():\n    pass",
    "x: int = 5",
    "a, *b = c",
    "n = 0b101_1 + 0o7 + 0xF_F + 1_000.5e-3j",
    "s = rb'\\x00' + Rb'''a'''",
    "e = ...",
    "print(a[*b])",
    "def f(*args: *Ts):\n    pass",
    "type = 1",
    "match = 1",
    "case = [1]",
    "_ = 1",
    "for i in range(3):\n    continue",
    "x = 1; y = 2;",
    "if x:\n    pass\nelif y:\n    pass\nelse:\n    pass",
    "x = (yield)",
    "f(a := 1)",
    "s = '''multi\nline'''",
    "x = \\\n    1",
    "# a comment",
    "x = [\n    1,\n    2,\n]",
    // semantic-only: ast.parse accepts, compile rejects
    "return x",
    "yield x",
    "await x",
    "nonlocal q",
    "break",
    "def f(a, a):\n    pass",
    "*a = 1",
    // newer than 3.11
    "type X = int",
    "type L[T] = list[T]",
    "def f[T](x: T) -> T:\n    return x",
    "class K[T]:\n    pass",
    "s = f'{'a'}'",
    "s = f'{x!r:{'>'}10}'",
    "s = f'{\"\\n\".join(a)}'",
    "s = f'{a # c\n}'",
    "s = f'{\n a\n}'",
    "s = f\"{f\"{1}\"}\"",
    "def f[T = int]():\n    pass",
    "try:\n    pass\nexcept A, B:\n    pass",
    "s = t'{a}'",
    // invalid
    "def f(:",
    "x = = 1",
    "1 = x",
    "f() = 1",
    "del f()",
    "(a, b) += 1",
    "f(**k, *a)",
    "f(a=1, b)",
    "def f(x=1, y):\n    pass",
    "f(x for x in y, 1)",
    "class C(x for x in y):\n    pass",
    "import a.b as",
    "print 'hi'",
    "a := 1",
    "def f(**k, a):\n    pass",
    "def f(*, **k):\n    pass",
    "x = 1 if 2",
    "else:\n    pass",
    "True = 1",
    "f(True=1)",
    "x = 1 +",
    "if x:\npass",
    "  x = 1",
    "'unterminated",
    "\"\"\"unterminated",
    "@dec\nx = 1",
    "with a as 1:\n    pass",
    "for 1 in x:\n    pass",
    "from x import",
    "x = {**a, b}",
    "print(f'{}')",
    "s = f'{a!x}'",
    "s = f'{a'",
    "x = 1_",
    "x = 0777",
    "x = 0b2",
    "f(a=1, a=2)",
    "__debug__ = 1",
    "x = [i for i in range(3)] = 1",
    "lambda: (yield)",
    "def f():\n    x = yield = 1",
    "a + 1 = 2",
    "(*a) = 1",
    "x = *a",
    "print(*)",
    "del *a",
    "f'{x=!r:^20}'",
    "x = not",
    "async x = 1",
    "import *",
    "from a import *, b",
    "try:\n    pass",
    "try:\n    pass\nexcept* ValueError:\n    pass\nexcept TypeError:\n    pass",
    "match x:\n    case 1 + 1:\n        pass",
    "match x:\n    case a | b:\n        pass",
    "match x:\n    case {**a, **b}:\n        pass",
    "global x, x",
    "def f(x):\n    global x",
    "x: int += 1",
    "(x): int = 1",
    "[a, b]: int",
    "not x = 1",
    "match x:\n    case [a, a]:\n        pass",
    "match x:\n    case {'k': 1, 'k': 2}:\n        pass",
    "match x:\n    case _:\n        pass\n    case 1:\n        pass",
    "match x:\n    case C(a=1, a=2):\n        pass",
    "match x:\n    case [a] | [b]:\n        pass",
    "def f():\n    return [x async for x in y]",
    "def f():\n    print(x)\n    global x",
    "x = [*a for a in b]",
    "x = {**a for a in b}",
    "s = f'{x:{y:{z}}}'",
    "s = f'{x:{y:{z:{w}}}}'",
    "s = f'{x!r=}'",
    "s = f'{=}'",
    "s = f'{lambda x: 1}'",
    "s = f'{yield}'",
    "s = f'{*a}'",
    "s = f'{a:=1}'",
    "s = f'{(a:=1)}'",
    "s = f'{a}}'",
    "s = f'{a!r }'",
    "s = f'{a! r}'",
    "s = f'{a!r\t}'",
    "s = f'{*a,}'",
    "s = f'{x:{*a}}'",
    "s = f'{x:{y!r }}'",
    "s = f'{a!}'",
    "s = f'{a:{b!r}}'",
    "s = f'{ a = }'",
    "s = f'{a!r:}'",
    "s = f'''{\na\n}'''",
    "s = f'{\\}'",
    "s = f'{a:\\n}'",
    "s = f'{\'a\'}'",
    "s = fr'{a}\\'",
    "s = 'a' 'b' f'{c}' u'd'",
    "s = b'a' 'b'",
    "s = b'\\xff\\u1234'",
    "s = '\\N{BULLET}'",
    "s = '\\N{NOT A NAME}'",
    "s = b'caf\\xc3\\xa9' + b'\u{e9}'",
    "x = 1if y else 2",
    "x = [0x1for x in y]",
    "x = 1_000_",
    "x = 09",
    "x = 00",
    "x = 1e+",
    "x = 0_7",
    "x = 0o_7",
    "x = .5j + 5.j + 1E5",
    "def f(a, *, b, **c,):\n    pass",
    "def f(*a, *b):\n    pass",
    "def f(a, /, /):\n    pass",
    "def f(/, a):\n    pass",
    "lambda *, k: k",
    "lambda *: 1",
    "print(a for a in b)",
    "print((a for a in b), c)",
    "f(*a, *b, **c, **d)",
    "f(a, *b, c=1, *d)",
    "f(**a, b=1)",
    "f(**a, b)",
    "x = yield from",
    "def g():\n    x = yield from y",
    "async def g():\n    yield from y",
    "async def g():\n    return [await x for x in y]",
    "with a, b as (c, d):\n    pass",
    "with (a, b) as c:\n    pass",
    "with (yield):\n    pass",
    "for x, in y:\n    pass",
    "for *x, y in z:\n    pass",
    "x = a if b else lambda: c",
    "x = a[b:c:d, e]",
    "x = a[]",
    "x = (1,)[0]",
    "x = ()",
    "x = (,)",
    "x = {1,}",
    "x = {,}",
    "x = [i, j for i in a]",
    "x = [i for i in a if b if c for j in d]",
    "x = [(i := 1) for j in a]",
    "x = [i := 1 for j in a]",
    "x = {a := 1}",
    "x = {(a := 1)}",
    "a[b := 1]",
    "a[b := 1, 2]",
    "def f(a=(b := 1)):\n    pass",
    "class A(x := 1):\n    pass",
    "del (a, [b, c])",
    "del (a)",
    "del ()",
    "del []",
    "x = a.b.c.__class__",
    "x = a . b",
    "x = 1 .real",
    "x = 1.real",
    "import a.b.c",
    "import a . b",
    "from .. import a",
    "from ...a.b import c",
    "from . a import b",
    "from a import b,",
    "from a import (b,)",
    "from a import ()",
    "import a as b.c",
    "assert (x, 'm')",
    "raise",
    "raise from e",
    "if x: pass; pass",
    "if x: if y: pass",
    "while 1: pass\nelse: pass",
    "class C: x = 1; y = 2",
    "x = 1 \\ # comment",
    "x = (1 # comment\n + 2)",
    "\u{feff}x = 1",
    "x = 1\r\ny = 2",
    "x = 1\ry = 2",
    "if True:\n\tx = 1\n        y = 2",
    "if True:\n        x = 1\n\ty = 2",
    "if True:\n    x = 1\n  y = 2",
    "x = '''a\\\nb'''",
    "\x0cx = 1",
    "print(*a if b else c)",
    "a = (yield) = 1",
    "(yield) = 1",
    "[x for x in y] = 1",
    "[i for i in (j := range(3))]",
    "class C:\n    [(x := 1) for y in z]",
    "x = [(yield) for i in a]",
    "x = [i async for i in a]",
    "def f(a, b=1, /, c):\n    pass",
    "def f(a=1, /, b):\n    pass",
    "def f(a, *, a):\n    pass",
    "def f(**a, **b):\n    pass",
    "f(a for a in b for c in d)",
    "f(*a for a in b)",
    "x = a if b else *c",
    "del a, (b, c), [d]",
    "del a.b[c:d]",
    "del (a := 1)",
    "(a := 1) = 2",
    "a.b := 1",
    "with open(x) as a.b[0]:\n    pass",
    "for a.b, c[0] in d:\n    pass",
    "import a.b as c.d",
    "x = u'' U'' b'' B'' r'' R'' br'' rB'' Br''",
    "x = ub''",
    "x = bu''",
    "x = f'' rf'' fR'' Rf''",
    "x = bf''",
    "x = 1 if 2 else 3 if 4 else 5",
    "x = not not not a",
    "x = a < b < c != d is not e not in f",
    "x = a <> b",
    "x = `a`",
    "exec('x')",
    "x = 1 ; ; y = 2",
    "if a:\n    pass\n  else:\n    pass",
    "class C(**k, *a):\n    pass",
    "class C(a=1, b):\n    pass",
    "@a\n@b\nclass C:\n    pass",
    "@(a := b)\ndef f():\n    pass",
    "@lambda f: f\ndef g():\n    pass",
    "@a if b else c\ndef g():\n    pass",
    "async with a:\n    pass",
    "async for a in b:\n    pass",
    "def f():\n    async with a:\n        pass",
    "match x:\n    case 0 | 1 | 2:\n        pass",
    "match x:\n    case (0 as z) | (1 as z):\n        pass",
    "match x:\n    case str() as s:\n        pass",
    "match x:\n    case -1j:\n        pass",
    "match x:\n    case 1 - 1j:\n        pass",
    "match x:\n    case a.b():\n        pass",
    "match x:\n    case f'{a}':\n        pass",
    "match x:\n    case {a.b: 1}:\n        pass",
    "match x:\n    case {x: 1}:\n        pass",
    "match x:\n    case [*a, *b]:\n        pass",
    "match x:\n    case C(a=1, 2):\n        pass",
    "match x, y:\n    case _:\n        pass",
    "match *x:\n    case _:\n        pass",
    "match x:\n    case _ if y:\n        pass",
    "match x:\npass",
    "try:\n    pass\nexcept* (A, B):\n    pass",
    "try:\n    pass\nexcept*:\n    pass",
    "try:\n    pass\nfinally:\n    pass\nelse:\n    pass",
    "try:\n    pass\nexcept:\n    pass\nexcept A:\n    pass",
    "global a.b",
    "nonlocal",
    "assert",
    "x = lambda: yield",
    "x = lambda a=1, b: 0",
    "x = lambda (a): 0",
    "def f(a: int = 1, *b: int, c: int, **d: int) -> None:\n    pass",
    "def f(a, (b, c)):\n    pass",
    "x: int, y: int = 1, 2",
    "x.y: int",
    "x[0]: int = 1",
    "(x.y): int",
    "print(end='', *a)",
    "print(a, *b, c, **d, e=1)",
    "print(**d, e)",
    "x = {**a, 'b': 1, **c}",
    "x = [*a, *b, c]",
    "x = (*a,)",
    "x = *a, *b",
    "a, b += 1",
    "a = b = c = 1",
    "a = b += 1",
    "x = 1 if True else",
    "x = [1, 2,, 3]",
    "x = (1 2)",
    "f(a=)",
    "f(=1)",
    "f(a, b c)",
    "x = '\\x'",
    "x = b'\\u1234'",
    "x = '\\777'",
    "x = b'\\xZZ'",
    "x = '\\N{LATIN SMALL LETTER A}'",
    "x = b'\\N{LATIN SMALL LETTER A}'",
    "x = 1e309",
    "x = 0x",
    "x = 0o8",
    "x = 1__2",
    "x = 1.e5_0",
    "x = 1._5",
    "x = 5_j",
    "x = 00_0",
    "x = 0_0",
    "x = 1if 1else 1",
    "x = [0x_1]",
    "x = 1 or2",
    "\u{a0}x = 1",
    "x\u{a0}= 1",
    "x = \u{2028}1",
    "ℌ = 1",
    "x = ℌ",
    "€ = 1",
    "x = a\u{200b}b",
    "x = '''\n\n'''",
    "x = 1 # \u{202e} comment",
    "if True:\n    # comment only\nx = 1",
    "if True:\n\n    x = 1",
    "if True:\n    x = 1\n    \n  # c\n    y = 2",
    "def f():\n    '''doc'''",
    "class C:\n    '''doc'''\n    x: int",
    "def f(\n    a,\n    b,\n):\n    pass",
    "x = (\n    1\n    + 2\n)",
    "x = [\n]",
    "x = 1 +\\\n2",
    "x = 1 + \\\n",
    "\\\nx = 1",
    "x = 1\n\\",
];

/// Wrappers a fragment can be nested in (`{}` is the indented fragment).
const WRAPPERS: &[&str] = &[
    "{}",
    "def w():\n{}",
    "async def w():\n{}",
    "class W:\n{}",
    "if c:\n{}",
    "for i in x:\n{}",
    "while c:\n{}",
    "try:\n{}\nexcept Exception:\n    pass",
    "with m:\n{}",
    "match v:\n    case 1:\n    {}",
];

const INSERTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "\"\"\"",
    ":",
    "\n",
    "    ",
    "\t",
    "\\",
    ",",
    "*",
    "**",
    "=",
    ":=",
    "lambda ",
    "yield ",
    "await ",
    "async ",
    "@",
    "#",
    "f'",
    "{x!r}",
    ";",
    "...",
    "type X = int\n",
    "def g[T](): pass\n",
    "f'{'a'}'",
    "\\\n",
    "\r",
    "\x0c",
    "0x",
    "1e",
    "u",
    "rb",
    "return ",
    "global y\n",
    "not ",
    "in ",
    "is ",
    "else ",
    "->",
    "%",
];

fn indent(code: &str, by: &str) -> String {
    code.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn generated(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.below(4) {
        let frag = rng.pick(FRAGMENTS);
        let wrapper = if rng.below(3) == 0 {
            rng.pick(WRAPPERS)
        } else {
            "{}"
        };
        let body = if wrapper == "{}" {
            frag.to_string()
        } else if wrapper.starts_with("match") {
            wrapper.replace("{}", indent(frag, "        ").trim_start_matches(' '))
        } else {
            wrapper.replace("{}", &indent(frag, "    "))
        };
        out.push_str(&body);
        out.push('\n');
    }
    out
}

/// Char boundaries of `s` (including `s.len()`).
fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect()
}

/// A token around byte `at`: a run of identifier characters, or one other character.
fn token_at(s: &str, at: usize) -> (usize, usize) {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let Some(c) = s[at..].chars().next() else {
        return (at, at);
    };
    if !word(c) {
        return (at, at + c.len_utf8());
    }
    let start = s[..at]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| word(c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = s[at..]
        .char_indices()
        .find(|&(_, c)| !word(c))
        .map_or(s.len(), |(i, _)| at + i);
    (start, end)
}

fn mutate(src: &str, rng: &mut Rng) -> String {
    let mut s = src.to_string();
    for _ in 0..1 + rng.below(3) {
        let b = boundaries(&s);
        let at = rng.pick(&b);
        match rng.below(7) {
            0 => s.truncate(at),
            1 => {
                let (a, z) = token_at(&s, at);
                s.replace_range(a..z, "");
            }
            2 => {
                let (a, z) = token_at(&s, at);
                let tok = s[a..z].to_string();
                s.insert_str(z, &tok);
            }
            3 | 4 => s.insert_str(at, rng.pick(INSERTS)),
            5 => {
                // Indent, dedent, delete or duplicate one line.
                let lines: Vec<&str> = s.split('\n').collect();
                let i = rng.below(lines.len());
                let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                match rng.below(4) {
                    0 => out[i] = format!("    {}", out[i]),
                    1 => out[i] = out[i].trim_start().to_string(),
                    2 => {
                        out.remove(i);
                    }
                    _ => out.insert(i, out[i].clone()),
                }
                s = out.join("\n");
            }
            _ => {
                // A fragment at the start of a line, with that line's indentation.
                let line_start = s[..at].rfind('\n').map_or(0, |i| i + 1);
                let ind: String = s[line_start..]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                let frag = indent(rng.pick(FRAGMENTS), &ind);
                s.insert_str(line_start, &format!("{frag}\n"));
            }
        }
    }
    s
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn corpus_inputs() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    files_under(&root.join("corpus"), &mut paths);
    files_under(&root.join("fuzz/corpus/analyze"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.extension().is_none_or(|e| e == "py" || e == "txt"))
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            (bytes.len() <= 256 * 1024).then(|| (p.display().to_string(), bytes))
        })
        .collect()
}

/// Inputs compared by [`pywarden_agrees_with_cpython`]: the corpus, mutations, generated code.
fn inputs() -> Vec<(String, Vec<u8>)> {
    let corpus = corpus_inputs();
    let mut all = corpus.clone();
    let mut rng = Rng(0x005E_ED0F_D1FF);
    let texts: Vec<&str> = corpus
        .iter()
        .filter_map(|(_, b)| std::str::from_utf8(b).ok())
        .filter(|t| t.len() <= 8 * 1024)
        .collect();
    for i in 0..2500 {
        let base = rng.pick(&texts);
        all.push((
            format!("mutation #{i}"),
            mutate(base, &mut rng).into_bytes(),
        ));
    }
    for i in 0..2500 {
        let g = generated(&mut rng);
        let g = if rng.below(3) == 0 {
            mutate(&g, &mut rng)
        } else {
            g
        };
        all.push((format!("generated #{i}"), g.into_bytes()));
    }
    all
}

// ---------------------------------------------------------------- tests

#[test]
fn pywarden_agrees_with_cpython() {
    let mut oracle = Oracle::start();
    let limits = limits_for(oracle.version);
    let inputs = inputs();
    let (mut both_ok, mut both_reject, mut refused) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    let mut refusals = std::collections::BTreeMap::new();
    for (name, src) in &inputs {
        let cpython = oracle.parses(src);
        let ours = pywarden(src, &limits);
        match (&cpython, &ours) {
            (Ok(()), Verdict::Valid) => both_ok += 1,
            (Err(_), Verdict::SyntaxError(_)) => both_reject += 1,
            (_, Verdict::Refused(why)) => {
                refused += 1;
                let kind = why.split(':').next().unwrap_or_default().to_string();
                let side = if cpython.is_ok() {
                    "CPython accepts"
                } else {
                    "CPython rejects"
                };
                *refusals.entry(format!("{kind} ({side})")).or_insert(0usize) += 1;
            }
            (Ok(()), Verdict::SyntaxError(e)) => {
                disagreements.push(format!(
                    "{name}: CPython accepts, pywarden: {e}\n---\n{}\n---",
                    String::from_utf8_lossy(src)
                ));
            }
            (Err(e), Verdict::Valid) => {
                disagreements.push(format!(
                    "{name}: CPython rejects ({e}), pywarden says valid\n---\n{}\n---",
                    String::from_utf8_lossy(src)
                ));
            }
        }
    }
    eprintln!(
        "parse differential vs CPython {}.{}: {} inputs, {} agree (both valid {both_ok}, both \
         reject {both_reject}), {refused} refused by a limit {refusals:?}, {} disagree",
        oracle.version.0,
        oracle.version.1,
        inputs.len(),
        both_ok + both_reject,
        disagreements.len()
    );
    // The comparison must be meaningful on both sides.
    assert!(
        both_ok > 500 && both_reject > 500,
        "{both_ok} {both_reject}"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements; first ones:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn semantic_only_differences_are_accepted_like_ast_parse() {
    let mut oracle = Oracle::start();
    let limits = limits_for(oracle.version);
    for (src, why) in SEMANTIC_ONLY {
        assert_eq!(
            oracle.parses(src.as_bytes()),
            Ok(()),
            "ast.parse rejects {src:?}"
        );
        assert!(
            oracle.compiles(src.as_bytes()).is_err(),
            "compile() accepts {src:?}: not a semantic-only difference ({why})"
        );
        assert_eq!(
            pywarden(src.as_bytes(), &limits),
            Verdict::Valid,
            "{src:?} ({why})"
        );
    }
}

#[test]
fn newer_syntax_is_an_error_naming_the_version() {
    let py311 = limits_for((3, 11));
    let py312 = limits_for((3, 12));
    for src in [
        "type X = int\n",
        "def f[T](x: T) -> T:\n    return x\n",
        "class K[T]:\n    pass\n",
        "s = f'{'a'}'\n",
        "s = f'{\"\\n\".join(a)}'\n",
        "s = f'{a # c\n}'\n",
    ] {
        match pywarden(src.as_bytes(), &py311) {
            Verdict::SyntaxError(m) => assert!(m.contains("Python 3.11"), "{src:?}: {m}"),
            v => panic!("{src:?} on 3.11: {v:?}"),
        }
        assert_eq!(
            pywarden(src.as_bytes(), &py312),
            Verdict::Valid,
            "{src:?} on 3.12"
        );
    }
    // Ordinary syntax errors name the version too.
    match pywarden(b"def f(:\n", &py311) {
        Verdict::SyntaxError(m) => assert!(m.contains("Python 3.11"), "{m}"),
        v => panic!("{v:?}"),
    }
}

#[test]
fn python_version_knob_reaches_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("py312.yaml");
    std::fs::write(&data, "gate:\n  python_version: \"3.12\"\n").unwrap();
    let default = pywarden::check::Checker::new(None, &[]).unwrap();
    let newer = pywarden::check::Checker::new(None, std::slice::from_ref(&data)).unwrap();
    assert_eq!(default.limits().python_version.to_string(), "3.11");
    assert_eq!(newer.limits().python_version.to_string(), "3.12");
    let code = "type X = int\n";
    let r = default.check_code(code, &[]);
    assert_eq!(
        r.error.as_ref().map(|e| e.kind.as_str()),
        Some("syntax-error")
    );
    assert!(newer.check_code(code, &[]).error.is_none());
    // A bad value is a configuration error, not a silent default.
    for bad in ["3.10.1", "2.7", "banana"] {
        std::fs::write(&data, format!("gate:\n  python_version: \"{bad}\"\n")).unwrap();
        assert!(pywarden::check::Checker::new(None, std::slice::from_ref(&data)).is_err());
    }
    std::fs::write(&data, "gate:\n  python_version: 3.10\n").unwrap();
    let e = pywarden::check::Checker::new(None, std::slice::from_ref(&data)).unwrap_err();
    assert!(format!("{e:#}").contains("quoted"), "{e:#}");
}

#[test]
fn every_fragment_alone_agrees() {
    let mut oracle = Oracle::start();
    let limits = limits_for(oracle.version);
    let mut disagreements = Vec::new();
    for f in FRAGMENTS {
        let src = format!("{f}\n");
        let cpython = oracle.parses(src.as_bytes());
        let ours = pywarden(src.as_bytes(), &limits);
        if matches!(
            (&cpython, &ours),
            (Ok(()), Verdict::SyntaxError(_)) | (Err(_), Verdict::Valid)
        ) {
            disagreements.push(format!("{f:?}: CPython {cpython:?}, pywarden {ours:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
