//! A direct matcher for the common shape of detector regexes, used instead of a DFA for
//! anchored confirmation.
//!
//! Most detectors read `boundary · (?P<secret> prefix · class{m,n} …) · boundary`. A DFA for
//! such a regex has one state per count of each repetition, so every byte of a match touches a
//! fresh transition row (a cache miss), and the `secret` group needs a second, capturing
//! search. [`Shape`] instead runs the regex's syntax tree directly: literals are compared,
//! single-byte classes are looked up in a 256-bit set, repetitions of one class are counted in a
//! tight loop, alternations are tried in order, and the `secret` group's bounds are recorded on
//! the way, in one pass.
//!
//! It only accepts regexes where that is exact under leftmost-first semantics (the `regex`
//! crate's): every repetition is greedy, repeats a single byte class, and its class is disjoint
//! from every byte that may follow it, so taking the longest run is the only choice that can
//! succeed and no backtracking into a repetition is needed. Alternations (including `x?` of a
//! longer `x`, which is `(?:x|)`) are backtracked in order. Anything else (lazy repetitions,
//! word boundaries, repeated groups, …) makes [`Shape::new`] return `None` and the detector
//! keeps its regex. Tests compare both on every detector's examples and on generated text.
//!
//! ```
//! use pywarden::redact::shape::Shape;
//! let s = Shape::new(r"(?:^|[^0-9A-Za-z])(?P<secret>AKIA[A-Z2-7]{16})(?:$|[^0-9A-Za-z])").unwrap();
//! let hay = b"id=AKIAZ7QW3ER5TY6UI2OP;";
//! let m = s.match_at(hay, 2).unwrap();
//! assert_eq!(&hay[m.secret.0..m.secret.1], b"AKIAZ7QW3ER5TY6UI2OP");
//! assert!(s.match_at(b"xAKIAZ7QW3ER5TY6UI2OP", 0).is_none());
//! ```

use regex_automata::util::syntax;
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Patterns with more nodes than this keep their regex (bounds the recursion).
const MAX_NODES: usize = 512;
/// Repeated groups are unrolled up to this many times.
const MAX_UNROLL: usize = 8;
/// Patterns with more ways through their alternations than this keep their regex: a failing
/// match tries each way (`(?:a|a)(?:a|a)…` would take exponential time), the regex does not.
const MAX_PATHS: u64 = 1024;

/// A set of bytes.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    #[inline]
    fn contains(&self, b: u8) -> bool {
        self.0[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }
    fn insert(&mut self, b: u8) {
        self.0[(b >> 6) as usize] |= 1 << (b & 63);
    }
    fn union(&mut self, o: &ByteSet) {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a |= b;
        }
    }
    fn intersects(&self, o: &ByteSet) -> bool {
        self.0.iter().zip(o.0).any(|(a, b)| a & b != 0)
    }
}

impl std::fmt::Debug for ByteSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n: u32 = self.0.iter().map(|w| w.count_ones()).sum();
        write!(f, "ByteSet({n} bytes)")
    }
}

#[derive(Debug, Clone)]
enum Node {
    Lit(Box<[u8]>),
    Set(ByteSet),
    /// Greedy repetition of one byte class. Runs longest first; only a repetition whose class
    /// overlaps what follows it tries shorter runs (`backtrack`, at most one per pattern).
    Rep {
        set: ByteSet,
        min: usize,
        max: usize,
        backtrack: bool,
    },
    /// Branches tried in order.
    Alt(Vec<Vec<Node>>),
    /// `^`: start of the haystack.
    Start,
    /// `$`: end of the haystack.
    End,
    /// Start and end of the `secret` group.
    Open,
    Close,
}

/// A match: its span and the `secret` group's span (the whole match without such a group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapeMatch {
    pub start: usize,
    pub end: usize,
    pub secret: (usize, usize),
}

/// A compiled pattern of the supported shape.
#[derive(Debug, Clone)]
pub struct Shape {
    nodes: Vec<Node>,
    /// Bytes a match may start with (all bytes if it may start by matching nothing).
    first_bytes: ByteSet,
}

/// Continuation: what remains to match after the current sequence.
struct Cont<'a> {
    seq: &'a [Node],
    next: Option<&'a Cont<'a>>,
}

impl Shape {
    /// Compiles `pattern` (the detector syntax: bytes, no Unicode classes) if it has the
    /// supported shape.
    pub fn new(pattern: &str) -> Option<Shape> {
        let hir =
            syntax::parse_with(pattern, &syntax::Config::new().unicode(false).utf8(false)).ok()?;
        let mut nodes = Vec::new();
        let mut count = 0;
        let mut secret = false;
        lower(&hir, true, &mut secret, &mut count, &mut nodes)?;
        let mut backtracking = 0;
        if count > MAX_NODES
            || paths(&nodes) > MAX_PATHS
            || !mark_backtracking(&mut nodes, &ByteSet::default(), &mut backtracking)
        {
            return None;
        }
        let mut first_bytes = first(&nodes, &ByteSet::default());
        if nullable_start(&nodes) {
            first_bytes = ByteSet([u64::MAX; 4]);
        }
        Some(Shape { nodes, first_bytes })
    }

    /// The leftmost-first match starting at the first position in `from..=to` where one
    /// starts (what an unanchored search reports), over all of `hay`.
    pub fn find_in(&self, hay: &[u8], from: usize, to: usize) -> Option<ShapeMatch> {
        let to = to.min(hay.len());
        let mut st = from;
        while st <= to {
            if (st == hay.len() || self.first_bytes.contains(hay[st]))
                && let Some(m) = self.match_at(hay, st)
            {
                return Some(m);
            }
            st += 1;
        }
        None
    }

    /// The leftmost-first match starting exactly at `start` (anchored), over all of `hay`.
    #[inline]
    pub fn match_at(&self, hay: &[u8], start: usize) -> Option<ShapeMatch> {
        let mut caps = [usize::MAX; 2];
        let end = run(&self.nodes, None, hay, start, &mut caps)?;
        let secret = if caps[0] == usize::MAX {
            (start, end)
        } else {
            (caps[0], caps[1])
        };
        Some(ShapeMatch { start, end, secret })
    }
}

/// Lowers `h` into `out`; `None` if some part is outside the supported shape.
fn lower(
    h: &Hir,
    top: bool,
    secret: &mut bool,
    count: &mut usize,
    out: &mut Vec<Node>,
) -> Option<()> {
    *count += 1;
    if *count > MAX_NODES {
        return None;
    }
    match h.kind() {
        HirKind::Empty => {}
        HirKind::Literal(l) => out.push(Node::Lit(l.0.clone())),
        HirKind::Class(c) => out.push(Node::Set(class_set(c)?)),
        HirKind::Look(Look::Start) => out.push(Node::Start),
        HirKind::Look(Look::End) => out.push(Node::End),
        HirKind::Look(_) => return None,
        HirKind::Repetition(r) => {
            let max = r.max.map_or(usize::MAX, |m| m as usize);
            let single = match r.sub.kind() {
                HirKind::Class(c) => class_set(c),
                HirKind::Literal(l) if l.0.len() == 1 => {
                    let mut s = ByteSet::default();
                    s.insert(l.0[0]);
                    Some(s)
                }
                _ => None,
            };
            match single {
                Some(set) if r.greedy => out.push(Node::Rep {
                    set,
                    min: r.min as usize,
                    max,
                    backtrack: false,
                }),
                // `x?` is `(?:x|)`; `x??` is `(?:|x)`.
                _ if r.min == 0 && max == 1 => {
                    let mut sub = Vec::new();
                    lower(&r.sub, false, secret, count, &mut sub)?;
                    out.push(Node::Alt(if r.greedy {
                        vec![sub, Vec::new()]
                    } else {
                        vec![Vec::new(), sub]
                    }));
                }
                // A greedy `x{m,n}` of a group with small `n` is `x` m times, then
                // `(?:x(?:x…)?)?` nested n - m deep: the same order of preference.
                _ if r.greedy && max <= MAX_UNROLL => {
                    let mut sub = Vec::new();
                    lower(&r.sub, false, secret, count, &mut sub)?;
                    *count += sub.len() * max;
                    if *count > MAX_NODES {
                        return None;
                    }
                    for _ in 0..r.min {
                        out.extend(sub.iter().cloned());
                    }
                    let mut optional: Vec<Node> = Vec::new();
                    for _ in r.min as usize..max {
                        let mut branch = sub.clone();
                        branch.extend(optional);
                        optional = vec![Node::Alt(vec![branch, Vec::new()])];
                    }
                    out.extend(optional);
                }
                _ => return None,
            }
        }
        HirKind::Capture(c) => {
            if c.name.as_deref() == Some("secret") {
                if !top || *secret {
                    return None;
                }
                *secret = true;
                out.push(Node::Open);
                lower(&c.sub, true, secret, count, out)?;
                out.push(Node::Close);
            } else {
                lower(&c.sub, top, secret, count, out)?;
            }
        }
        HirKind::Concat(items) => {
            for i in items {
                lower(i, top, secret, count, out)?;
            }
        }
        HirKind::Alternation(branches) => {
            let mut alt = Vec::with_capacity(branches.len());
            for b in branches {
                let mut seq = Vec::new();
                lower(b, false, secret, count, &mut seq)?;
                alt.push(seq);
            }
            out.push(Node::Alt(alt));
        }
    }
    Some(())
}

fn class_set(c: &Class) -> Option<ByteSet> {
    let mut s = ByteSet::default();
    match c {
        Class::Bytes(b) => {
            for r in b.iter() {
                for x in r.start()..=r.end() {
                    s.insert(x);
                }
            }
        }
        Class::Unicode(u) => {
            for r in u.iter() {
                if r.end() as u32 > 0x7F {
                    return None;
                }
                for x in r.start() as u8..=r.end() as u8 {
                    s.insert(x);
                }
            }
        }
    }
    Some(s)
}

/// The bytes that may be consumed first by `seq` followed by something whose first bytes are
/// `after`.
fn first(seq: &[Node], after: &ByteSet) -> ByteSet {
    let mut acc = ByteSet::default();
    for (i, n) in seq.iter().enumerate() {
        match n {
            Node::Lit(l) => {
                if let Some(&b) = l.first() {
                    acc.insert(b);
                    return acc;
                }
            }
            Node::Set(s) => {
                acc.union(s);
                return acc;
            }
            Node::Rep { set, min, .. } => {
                acc.union(set);
                if *min > 0 {
                    return acc;
                }
            }
            Node::Alt(branches) => {
                let rest = first(&seq[i + 1..], after);
                for b in branches {
                    acc.union(&first(b, &rest));
                }
                return acc;
            }
            // Nothing is consumed after the end of the haystack.
            Node::End => return acc,
            Node::Start | Node::Open | Node::Close => {}
        }
    }
    acc.union(after);
    acc
}

/// How many ways a match may go through the alternations of `seq` (saturating): the most
/// continuations a failing match tries.
fn paths(seq: &[Node]) -> u64 {
    seq.iter()
        .map(|n| match n {
            Node::Alt(branches) => branches
                .iter()
                .map(|b| paths(b))
                .fold(0u64, u64::saturating_add),
            _ => 1,
        })
        .fold(1u64, u64::saturating_mul)
}

/// Marks the repetitions whose class overlaps what may follow them: they must try shorter
/// runs too. At most one per pattern (so a match costs at most the run length times the rest);
/// `false` if there are more. Repetitions of an exact count never need it.
fn mark_backtracking(seq: &mut [Node], after: &ByteSet, marked: &mut usize) -> bool {
    for i in 0..seq.len() {
        let rest = first(&seq[i + 1..], after);
        match &mut seq[i] {
            Node::Rep {
                set,
                min,
                max,
                backtrack,
            } if min != max && set.intersects(&rest) => {
                *marked += 1;
                if *marked > 1 {
                    return false;
                }
                *backtrack = true;
            }
            Node::Alt(branches) => {
                for b in branches {
                    if !mark_backtracking(b, &rest, marked) {
                        return false;
                    }
                }
            }
            _ => {}
        }
    }
    true
}

/// Whether a match may start without consuming a byte first (through `$` or an empty
/// pattern), so that it may start at any byte or at the end of the haystack.
fn nullable_start(seq: &[Node]) -> bool {
    for n in seq {
        match n {
            Node::Lit(_) | Node::Set(_) => return false,
            Node::Rep { min, .. } => {
                if *min > 0 {
                    return false;
                }
            }
            Node::Alt(branches) => return branches.iter().any(|b| nullable_start(b)),
            Node::End => return true,
            Node::Start | Node::Open | Node::Close => {}
        }
    }
    true
}

/// Matches `seq` then the continuation `k` at `pos`; returns the end of the match.
fn run(
    seq: &[Node],
    k: Option<&Cont<'_>>,
    hay: &[u8],
    mut pos: usize,
    caps: &mut [usize; 2],
) -> Option<usize> {
    let mut i = 0;
    while i < seq.len() {
        match &seq[i] {
            Node::Lit(l) => {
                if !hay.get(pos..)?.starts_with(l) {
                    return None;
                }
                pos += l.len();
            }
            Node::Set(s) => {
                if !s.contains(*hay.get(pos)?) {
                    return None;
                }
                pos += 1;
            }
            Node::Rep {
                set,
                min,
                max,
                backtrack,
            } => {
                let limit = hay.len().min(pos.saturating_add(*max));
                let mut j = pos;
                while j < limit && set.contains(hay[j]) {
                    j += 1;
                }
                if j - pos < *min {
                    return None;
                }
                if *backtrack {
                    let rest = &seq[i + 1..];
                    for end in (pos + min..=j).rev() {
                        let saved = *caps;
                        if let Some(e) = run(rest, k, hay, end, caps) {
                            return Some(e);
                        }
                        *caps = saved;
                    }
                    return None;
                }
                pos = j;
            }
            Node::Alt(branches) => {
                let rest = Cont {
                    seq: &seq[i + 1..],
                    next: k,
                };
                for b in branches {
                    let saved = *caps;
                    if let Some(end) = run(b, Some(&rest), hay, pos, caps) {
                        return Some(end);
                    }
                    *caps = saved;
                }
                return None;
            }
            Node::Start => {
                if pos != 0 {
                    return None;
                }
            }
            Node::End => {
                if pos != hay.len() {
                    return None;
                }
            }
            Node::Open => caps[0] = pos,
            Node::Close => caps[1] = pos,
        }
        i += 1;
    }
    match k {
        None => Some(pos),
        Some(c) => run(c.seq, c.next, hay, pos, caps),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::meta::Regex;
    use regex_automata::{Anchored, Input};

    /// The reference: the `regex` engine, anchored, with the `secret` group.
    fn reference(re: &Regex, hay: &[u8], st: usize) -> Option<ShapeMatch> {
        let mut caps = re.create_captures();
        re.search_captures(
            &Input::new(hay).range(st..).anchored(Anchored::Yes),
            &mut caps,
        );
        let m = caps.get_match()?;
        let g = re
            .group_info()
            .to_index(regex_automata::PatternID::ZERO, "secret");
        let secret = match g.and_then(|g| caps.get_group(g)) {
            Some(s) => (s.start, s.end),
            None => (m.start(), m.end()),
        };
        Some(ShapeMatch {
            start: m.start(),
            end: m.end(),
            secret,
        })
    }

    fn regex(p: &str) -> Regex {
        Regex::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(Regex::config().utf8_empty(false))
            .build(p)
            .unwrap()
    }

    /// Checks the shape against the regex at every start of every haystack, anchored and not.
    pub(crate) fn agree(pattern: &str, hays: &[&[u8]]) -> bool {
        let Some(shape) = Shape::new(pattern) else {
            return false;
        };
        let re = regex(pattern);
        for hay in hays {
            for st in 0..=hay.len() {
                assert_eq!(
                    shape.match_at(hay, st),
                    reference(&re, hay, st),
                    "pattern {pattern:?} at {st} of {:?}",
                    String::from_utf8_lossy(hay)
                );
                // Unanchored: the leftmost start at or after `st`, if it is at most `st + 3`.
                let want = re
                    .search(&Input::new(*hay).range(st..))
                    .filter(|m| m.start() <= st + 3)
                    .and_then(|m| reference(&re, hay, m.start()));
                assert_eq!(
                    shape.find_in(hay, st, st + 3),
                    want,
                    "find_in {pattern:?} {st}"
                );
            }
        }
        true
    }

    #[test]
    fn supported_shapes_agree_with_the_regex() {
        let hays: &[&[u8]] = &[
            b"key=AKIAZ7QW3ER5TY6UI2OP; \\nAKIAZ7QW3ER5TY6UI2OPX AKIA",
            b"password = \"hunter2hunter2\" passwd:  x pass=:=abc",
            b"sk_live_0123456789abcdefABCDEF0123 rk_test_short \\rk_live_0123456789abcdefABCDEF01",
            b"",
            b"aaa:=bbb",
            b"ababababab abababa xyzabc 4111 1111 1111 1111 4111-1111-1111-11 12.34.567 99 8888",
            b"key=value= k== abc-def",
        ];
        for p in [
            r"(?:^|[^0-9A-Za-z+/]|\\[nrt])(?P<secret>AKIA[A-Z2-7]{16})(?:$|[^0-9A-Za-z_+/-])",
            r#"(?i)(?:password|passwd)\\?["']?\s*(?:=|:=|:|=>)\s*\\?["']?(?P<secret>[^\s"'\\,;<>`]{8,128})"#,
            r"(?:^|[^0-9A-Za-z+/]|\\[nrt])(?P<secret>[rs]k_(?:live|test)_[A-Za-z0-9]{24,247})(?:$|[^0-9A-Za-z_+/-])",
            r"(?:a|aa)(?::=|:)b*",
            r"x?(?:ab)?a",
            r"[a-z]+[a-c]",
            r"(?:x|[a-z]*)[a-c]",
            r"(?:ab){2,5}a?",
            r"[0-9]{4}(?:[ -][0-9]{4}){2}[ -][0-9]{1,7}|[0-9]{13,19}",
            r"(?:[ .-][0-9]{2,4}){2,4}(?:$|[^0-9])",
            r"(?P<secret>[a-z]{2,}=?)(?:$|[^a-z=])",
        ] {
            assert!(agree(p, hays), "{p} should be supported");
        }
    }

    /// Every built-in detector with a shape agrees with its regex on its examples, and near
    /// every keyword of a generated corpus with planted secrets and decoys.
    #[test]
    fn builtin_shapes_agree_with_their_regexes() {
        use crate::redact::detector::DetectorFile;
        use crate::redact::generate::{Generator, Kind};
        let file = DetectorFile::parse(crate::redact::BUILTIN_YAML, "builtin").unwrap();
        let mut g = Generator::builtin(7).unwrap();
        g.secret_every = 2;
        let corpus = g.corpus(Kind::Text, 256 << 10).text;
        let corpus = corpus.as_bytes();
        let mut shaped = 0;
        for d in &file.detectors {
            let c = d.compile().unwrap();
            let Some(shape) = &c.shape else { continue };
            shaped += 1;
            for ex in d.examples.positive.iter().chain(&d.examples.negative) {
                for st in 0..=ex.len() {
                    assert_eq!(
                        shape.match_at(ex.as_bytes(), st),
                        reference(&c.regex, ex.as_bytes(), st),
                        "{} at {st} of {ex:?}",
                        d.id
                    );
                }
            }
            for k in &c.keywords {
                for pos in memchr::memmem::find_iter(corpus, k.as_bytes()) {
                    for st in pos.saturating_sub(8)..=pos {
                        assert_eq!(
                            shape.match_at(corpus, st),
                            reference(&c.regex, corpus, st),
                            "{} at {st}",
                            d.id
                        );
                    }
                }
            }
        }
        assert!(shaped >= 30, "only {shaped} detectors have a shape");
    }

    #[test]
    fn unsupported_shapes_are_refused() {
        for p in [
            r"[a-z]{0,40}?x",     // lazy repetition
            r"\bkey\b",           // word boundary
            r"[a-z]+[a-c]+[a-b]", // two greedy runs that would need backtracking
            r"(?:ab){2,20}",      // repeated group, too many times to unroll
        ] {
            assert!(Shape::new(p).is_none(), "{p} should be refused");
        }
        // Exponentially many ways through alternations (2^30): the regex handles it in linear time.
        let blowup = format!("{}b", "(?:x|yz)".repeat(30));
        assert!(Shape::new(&blowup).is_none());
        assert!(Shape::new(&format!("{}b", "(?:x|yz)".repeat(5))).is_some());
    }
}
