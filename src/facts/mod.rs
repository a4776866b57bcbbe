//! Facts stage: turns a parsed module into the facts document that policies receive as
//! `input` (`pywarden analyze --format json` prints it).
//!
//! The document is deliberately *security-relevant and compact*: every import, every reference
//! to a non-inert builtin, every dunder / frame / private / module-member attribute access, every
//! call whose target resolves to a builtin or a module member, every constant string that had to
//! be computed, the source-encoding declaration and the complexity metrics — each located. It is
//! not a dump of the tree: the policy must evaluate in microseconds per file.
//!
//! Schema version 1. Every string that names an identifier is NFKC-normalised, as Python does.

use serde::{Deserialize, Serialize};

pub mod attributes;
mod calls;
pub mod complexity;
pub mod encoding;
pub mod imports;
pub mod names;
pub mod resolver;
pub mod strings;
mod walk;

/// The facts document (policy `input`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Schema version (1).
    pub version: u32,
    pub imports: Vec<Import>,
    pub names: Vec<NameRef>,
    pub attributes: Vec<AttributeAccess>,
    pub calls: Vec<Call>,
    pub strings: Vec<ResolvedString>,
    pub encoding: Encoding,
    pub complexity: Complexity,
    /// True when a list was cut at [`MAX_ENTRIES`] (a file with that many security-relevant
    /// facts is hostile or generated; policies should treat it as denied).
    #[serde(default)]
    pub truncated: bool,
}

/// Most entries kept per list (`imports`, `names`, `attributes`, `calls`, `strings`, `bombs`,
/// `infinite_loops`), so a hostile file cannot make the document — and policy evaluation —
/// arbitrarily large.
pub const MAX_ENTRIES: usize = 10_000;

impl Facts {
    fn cap(&mut self) {
        fn cut<T>(v: &mut Vec<T>, flag: &mut bool) {
            if v.len() > MAX_ENTRIES {
                v.truncate(MAX_ENTRIES);
                *flag = true;
            }
        }
        let mut t = false;
        cut(&mut self.imports, &mut t);
        cut(&mut self.names, &mut t);
        cut(&mut self.attributes, &mut t);
        cut(&mut self.calls, &mut t);
        cut(&mut self.strings, &mut t);
        cut(&mut self.complexity.bombs, &mut t);
        cut(&mut self.complexity.infinite_loops, &mut t);
        self.truncated |= t;
    }
}

/// A source location: 1-based line and column (characters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

/// One imported module or name, in any form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Import {
    /// `import` (`import a.b as c`), `from` (`from a import b`), `dynamic`
    /// (`__import__`, `importlib.import_module`, `importlib.util...`), `loader`
    /// (`__loader__` / `__spec__` use).
    pub kind: String,
    /// Absolute dotted module (`a.b`); for relative imports the part after the dots
    /// (may be empty). `null` when a dynamic import's argument could not be resolved.
    pub module: Option<String>,
    /// First component of `module` (what allowlists match), `null` when unresolved.
    pub top: Option<String>,
    /// For `from a import b`: `b` (`*` for star imports).
    pub name: Option<String>,
    /// The local name bound, if any (`c` in `import a.b as c`).
    pub alias: Option<String>,
    /// Relative import level (number of leading dots), 0 for absolute.
    pub level: u32,
    #[serde(flatten)]
    pub loc: Location,
}

/// A reference to a builtin (or builtin-like dunder name such as `__builtins__`), in any
/// context, not only calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NameRef {
    /// NFKC-normalised name (`eval`).
    pub name: String,
    /// The spelling in the source when it differs from `name` (e.g. `ｅｖａｌ`).
    pub raw: Option<String>,
    /// `call`, `load`, `decorator`, `default` (default argument value), `argument` (passed as a
    /// value, e.g. `map(eval, ...)`), `store`, `del`.
    pub context: String,
    /// True when the module rebinds this name somewhere (assignment, def, import, parameter):
    /// the reference may then not be the builtin.
    pub shadowed: bool,
    #[serde(flatten)]
    pub loc: Location,
}

/// An attribute access worth a policy's attention.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttributeAccess {
    /// NFKC-normalised attribute name.
    pub attr: String,
    /// `dunder` (`__x__`), `frame` (frame / generator / coroutine / traceback / code object
    /// internals: `gi_frame`, `f_globals`, `co_code`, ...), `private` (`_x` on a module),
    /// `member` (any attribute of an imported module, e.g. `os.system`), `other` (only
    /// `via: "getattr"`: a constant name that is none of the above, e.g. `getattr(o, "x")`).
    pub kind: String,
    /// Dotted module the base resolves to through import and alias tracking (`random` for
    /// `m = random; m._os`), if any.
    pub module: Option<String>,
    /// How the access was written: `attribute` (`a.b`), `getattr` (resolved constant name of
    /// `getattr`/`setattr`/`delattr`/`hasattr`), `format` (inside a format string:
    /// `"{0.__class__}".format(x)`), `import` (`from m import x`), `string` (a dunder-shaped
    /// constant string, e.g. passed to `operator.attrgetter`).
    pub via: String,
    /// `load`, `store`, `del`.
    pub context: String,
    /// The spelling in the source when it differs from `attr` after NFKC normalisation
    /// (`x.__ｃｌａｓｓ__`); only for `via: "attribute"`.
    #[serde(default)]
    pub raw: Option<String>,
    #[serde(flatten)]
    pub loc: Location,
}

/// A call whose target resolves to a builtin or a module member.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Resolved qualified target: `getattr`, `os.system`, `importlib.import_module`,
    /// `str.format` (method calls on string constants), ...
    pub func: String,
    /// Positional arguments resolved to constant strings (`null` where not constant).
    pub args: Vec<Option<String>>,
    /// Number of positional arguments.
    pub nargs: u32,
    /// True when every positional argument is a resolvable constant.
    pub constant_args: bool,
    #[serde(flatten)]
    pub loc: Location,
}

/// A string the analyser had to compute (folding `+`, `%`, `.format`, f-strings, `join`,
/// `chr`, `bytes(...).decode()`, slicing, simple assignments), or a dunder-shaped literal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResolvedString {
    pub value: String,
    /// How it was obtained (the outermost operation): `concat`, `format` (`%` and
    /// `.format`), `fstring`, `join`, `chr`, `decode` (`bytes.decode`, `bytes.fromhex`,
    /// base64 / hex / rot13 codecs), `bytes`, `slice`, `replace`, `lower`, `upper`, `strip`,
    /// `swapcase`, `repeat`, `str`, `encode`, `hex`, `map`, `comprehension`, or `literal` for a
    /// dunder-shaped literal (`"__globals__"`).
    pub how: String,
    #[serde(flatten)]
    pub loc: Location,
}

/// The source-encoding situation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Encoding {
    /// The PEP 263 declaration (`utf-7`), if any, lower-cased.
    pub declared: Option<String>,
    /// Line of the declaration.
    pub line: Option<u32>,
    /// The file starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// Bidirectional-control or invisible characters (Trojan Source) found in the source.
    pub suspicious_chars: Vec<SuspiciousChar>,
}

/// An invisible or bidirectional-control character in the source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SuspiciousChar {
    /// `U+202E` style code point.
    pub codepoint: String,
    #[serde(flatten)]
    pub loc: Location,
}

/// Size and shape metrics, and resource-bomb patterns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Complexity {
    /// Source size in bytes and lines.
    pub bytes: u64,
    pub lines: u32,
    /// Number of AST nodes.
    pub nodes: u64,
    /// Sum of cyclomatic complexity over the module body and all functions.
    pub cyclomatic_total: u32,
    /// Highest per-function (or module-body) cyclomatic complexity, and where.
    pub cyclomatic_max: u32,
    pub cyclomatic_max_at: Option<Location>,
    /// Deepest statement nesting (blocks inside blocks).
    pub max_nesting: u32,
    /// Deepest expression nesting.
    pub max_expression_depth: u32,
    /// Longest string/bytes literal in bytes.
    pub max_literal_bytes: u64,
    /// Largest collection display (list/tuple/set/dict elements).
    pub max_collection_items: u64,
    /// Constant-folded numbers or sequences that would be huge: exponent towers
    /// (`10 ** 10 ** 10`), big repeats (`"a" * 10**9`, `[0] * 10**10`), big shifts.
    pub bombs: Vec<Bomb>,
    /// `while True:` (or another constant-true test) whose body has no `break` of that loop
    /// and no `return`, `raise` or statement-level `yield`.
    pub infinite_loops: Vec<Location>,
}

/// A constant expression that would exhaust memory or CPU.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bomb {
    /// `power`, `repeat`, `shift`, `alloc` (`bytearray(10**10)`, `list(range(10**12))`).
    pub kind: String,
    /// log10 of the estimated result size (digits for numbers, elements/bytes for repeats).
    pub log10_size: f64,
    #[serde(flatten)]
    pub loc: Location,
}

/// Decodes, parses and analyses one unit of source into facts, under `limits`.
///
/// Runs on a fresh thread whose stack is sized from the input ([`crate::parse::stack_size_for`]),
/// so neither parsing, walking nor dropping the tree can overflow the caller's stack — unless
/// the calling thread already has that much stack left (a rayon pool built with a large
/// `stack_size`), in which case it runs inline and saves the thread spawn. Errors are
/// located [`ParseError`](crate::parse::ParseError)s: `too-large`, `nul-byte`, `encoding`,
/// `too-deep`, `syntax-error`.
///
/// ```
/// use pywarden::{facts, parse::Limits};
/// let f = facts::extract(b"import os\nos.system('id')\n", &Limits::default()).unwrap();
/// assert_eq!(f.imports[0].module.as_deref(), Some("os"));
/// assert_eq!(f.calls[0].func, "os.system");
/// assert_eq!(f.calls[0].args, vec![Some("id".to_string())]);
/// ```
pub fn extract(
    bytes: &[u8],
    limits: &crate::parse::Limits,
) -> Result<Facts, crate::parse::ParseError> {
    if bytes.len() > limits.max_bytes {
        // Refuse before reserving a stack sized for the input.
        return crate::parse::decode(bytes, limits).map(|_| Facts::default());
    }
    let needed = crate::parse::stack_size_for(bytes.len());
    // Already on a thread with enough stack (e.g. a rayon pool built with a big
    // `stack_size`): no need for a thread of our own.
    if stacker::remaining_stack().is_some_and(|left| left >= needed + (1 << 20)) {
        return extract_on_current_thread(bytes, limits);
    }
    crate::parse::with_big_stack(needed, || extract_on_current_thread(bytes, limits))
}

/// [`extract`] without the dedicated thread. The caller guarantees a stack of at least
/// [`crate::parse::stack_size_for`]`(bytes.len())` bytes (e.g. a rayon pool built with that
/// `stack_size`); otherwise a hostile input can abort the process.
pub fn extract_on_current_thread(
    bytes: &[u8],
    limits: &crate::parse::Limits,
) -> Result<Facts, crate::parse::ParseError> {
    use crate::parse;
    let decoded = parse::decode(bytes, limits)?;
    let index = parse::LineIndex::new(decoded.text);
    parse::prescan(decoded.text, limits)?;
    let module = parse::parse_module_for(decoded.text, &index, limits.python_version)?;
    let mut w = walk::Walker::new(decoded.text, &index, limits);
    w.module(&module.body);
    if let Some(e) = w.error {
        return Err(e);
    }
    let mut facts = w.facts;
    facts.version = 1;
    facts.encoding = encoding::encoding_facts(&decoded, &index);
    facts.complexity.bytes = bytes.len() as u64;
    facts.complexity.lines = index.lines();
    facts.cap();
    drop(module);
    Ok(facts)
}
