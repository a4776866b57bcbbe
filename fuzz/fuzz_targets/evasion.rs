//! Fuzz target `evasion`: a structure-aware generator (crate `arbitrary`) that composes
//! Python source from fragments of the adversarial families — a dangerous *target* (a builtin,
//! a dunder escape primitive, a dangerous module), an *obfuscation* that hides how the target is
//! named (aliases, string folding, `chr`/`join`, reversed slices, NFKC look-alikes, decorators,
//! default arguments, format strings...) and a *wrapper* (function, class, comprehension,
//! `try`, `if __name__ == "__main__"`), padded with benign statements.
//!
//! Oracle: every generated program reaches something dangerous, so the gate must deny it.
//! A program that is allowed is an evasion: the fuzzer reports it as a crash.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use pywarden::check::Checker;

fn checker() -> &'static Checker {
    static C: OnceLock<Checker> = OnceLock::new();
    C.get_or_init(|| Checker::new(None, &[]).expect("default policy loads"))
}

#[derive(Debug, Arbitrary)]
enum Target {
    Eval,
    Exec,
    Compile,
    Open,
    DunderImport,
    Globals,
    Breakpoint,
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Eval => "eval",
            Target::Exec => "exec",
            Target::Compile => "compile",
            Target::Open => "open",
            Target::DunderImport => "__import__",
            Target::Globals => "globals",
            Target::Breakpoint => "breakpoint",
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Obfuscation {
    /// `eval("1")`
    Direct,
    /// `f = eval; f("1")`
    Alias,
    /// `getattr(__builtins__, "ev" + "al")`
    GetattrConcat(u8),
    /// `getattr(builtins, "".join(map(chr, [...])))`
    ChrJoin,
    /// `getattr(builtins, "lave"[::-1])`
    Reversed,
    /// full-width letters, NFKC-equal to the name
    Fullwidth,
    /// `@eval` as a decorator
    Decorator,
    /// `def g(f=eval): ...`
    DefaultArg,
    /// `list(map(eval, ["1"]))`
    MapArgument,
    /// `"{0.__class__.__base__.__subclasses__}".format(x)`
    FormatString,
    /// `().__class__.__base__.__subclasses__()`
    SubclassWalk,
    /// `(lambda: 0).__globals__["__builtins__"]`
    Globals,
    /// `import os as m; m.system`
    ModuleAlias,
    /// `bytes([...]).decode()` as the getattr name
    BytesDecode,
}

#[derive(Debug, Arbitrary)]
enum Wrapper {
    TopLevel,
    Function,
    Class,
    Comprehension,
    Try,
    MainGuard,
}

#[derive(Debug, Arbitrary)]
struct Program {
    target: Target,
    obfuscation: Obfuscation,
    wrapper: Wrapper,
    padding: Vec<u8>,
}

const BENIGN: &[&str] = &[
    "import math",
    "x = [i * i for i in range(10)]",
    "total = sum(x)",
    "def area(r):\n    return math.pi * r ** 2",
    "class P:\n    def __init__(self, v):\n        self.v = v\n    def __repr__(self):\n        return f\"{self.__class__.__name__}({self.v})\"",
    "print(area(2))",
    "d = {'a': 1}\nfor k, v in d.items():\n    print(k, v)",
];

fn fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => char::from_u32(c as u32 - 'a' as u32 + 0xFF41).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn payload(p: &Program) -> String {
    let n = p.target.name();
    let codes: Vec<String> = n.bytes().map(|b| b.to_string()).collect();
    let rev: String = n.chars().rev().collect();
    match &p.obfuscation {
        Obfuscation::Direct => format!("{n}('1')"),
        Obfuscation::Alias => format!("f = {n}\nf('1')"),
        Obfuscation::GetattrConcat(k) => {
            let cut = 1 + (*k as usize) % (n.len() - 1).max(1);
            let (a, b) = n.split_at(cut.min(n.len()));
            format!("import builtins\ng = getattr(builtins, '{a}' + '{b}')\ng('1')")
        }
        Obfuscation::ChrJoin => format!(
            "import builtins\ng = getattr(builtins, ''.join(map(chr, [{}])))\ng('1')",
            codes.join(", ")
        ),
        Obfuscation::Reversed => {
            format!("import builtins\ng = getattr(builtins, '{rev}'[::-1])\ng('1')")
        }
        Obfuscation::Fullwidth => format!("{}('1')", fullwidth(n)),
        Obfuscation::Decorator => format!("@{n}\ndef h():\n    pass"),
        Obfuscation::DefaultArg => format!("def g(f={n}):\n    return f('1')\ng()"),
        Obfuscation::MapArgument => format!("list(map({n}, ['1']))"),
        Obfuscation::FormatString => {
            "s = '{0.__class__.__base__.__subclasses__}'.format(0)".to_string()
        }
        Obfuscation::SubclassWalk => "c = ().__class__.__base__.__subclasses__()".to_string(),
        Obfuscation::Globals => "b = (lambda: 0).__globals__['__builtins__']".to_string(),
        Obfuscation::ModuleAlias => "import os as m\nm.system('id')".to_string(),
        Obfuscation::BytesDecode => format!(
            "import builtins\ng = getattr(builtins, bytes([{}]).decode())\ng('1')",
            codes.join(", ")
        ),
    }
}

fn indent(code: &str, by: &str) -> String {
    code.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn render(p: &Program) -> String {
    let body = payload(p);
    let wrapped = match p.wrapper {
        Wrapper::TopLevel => body,
        Wrapper::Function => format!("def run():\n{}\nrun()", indent(&body, "    ")),
        Wrapper::Class => format!("class K:\n{}", indent(&body, "    ")),
        Wrapper::Comprehension => {
            // A one-line payload fits in a comprehension; otherwise run it in a function.
            if body.contains('\n') {
                format!(
                    "def run():\n{}\n[run() for _ in range(1)]",
                    indent(&body, "    ")
                )
            } else {
                format!("[{body} for _ in range(1)]")
            }
        }
        Wrapper::Try => format!(
            "try:\n{}\nexcept Exception:\n    pass",
            indent(&body, "    ")
        ),
        Wrapper::MainGuard => format!("if __name__ == '__main__':\n{}", indent(&body, "    ")),
    };
    let mut out = String::new();
    for (i, b) in p.padding.iter().take(6).enumerate() {
        if i == 3 {
            out.push_str(&wrapped);
            out.push('\n');
        }
        out.push_str(BENIGN[*b as usize % BENIGN.len()]);
        out.push('\n');
    }
    if p.padding.len() <= 3 {
        out.push_str(&wrapped);
        out.push('\n');
    }
    out
}

fuzz_target!(|p: Program| {
    let code = render(&p);
    let report = checker().check_code(&code, &[]);
    assert!(
        !report.allowed,
        "EVASION: the gate allowed a dangerous program:\n{code}\nreport: {report:?}"
    );
});
