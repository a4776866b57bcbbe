//! Anchored confirmation of a detector's regex with precompiled automata from `regex-automata`.
//!
//! Each detector's regex is compiled once, when the detector set is built, into a fully
//! determinized dense DFA (`regex_automata::dfa::dense`, anchored starts only, leftmost-first
//! like the `regex` crate). The DFA is read-only, so every rayon worker shares it with no cache
//! to warm: the lazy DFA of the `regex` crate re-learns, per thread, the hundreds of states of a
//! counted repetition such as `[A-Za-z0-9]{24,247}`, which made confirmation slow. A candidate
//! start is confirmed by walking the DFA byte by byte from that start until it dies: a false
//! candidate dies within a few bytes.
//!
//! Only a confirmed match is searched again for its `secret` group, on the match span alone:
//! with a one-pass DFA (`regex_automata::dfa::onepass`, one anchored scan) when the regex is
//! one-pass, else with the bounded backtracker (`regex_automata::nfa::thompson::backtrack`, what
//! the meta regex uses on short spans, without its lazy-DFA pass to find the match again), and
//! the meta regex for spans too long for the backtracker. Their caches come from a pool shared
//! by the workers (`regex_automata::util::pool`, as the meta regex does).
//!
//! A DFA larger than [`DFA_SIZE_LIMIT`] is not built ([`AnchoredDfa::new`] returns `None`) and
//! the detector keeps its regex. A walk that goes past the detector's window (a match longer
//! than `max_len`, or a lazy or unbounded pattern that has not failed yet) reports
//! [`Step::Unknown`] and the caller uses the regex on the window, as for detectors without a DFA.
//!
//! ```
//! use pywarden::redact::anchored::{AnchoredDfa, Step};
//! let p = r"(?:^|[^0-9A-Za-z])(?P<secret>AKIA[A-Z2-7]{16})(?:$|[^0-9A-Za-z])";
//! let dfa = AnchoredDfa::new(p).unwrap();
//! let hay = b"id=AKIAZ7QW3ER5TY6UI2OP;";
//! assert_eq!(dfa.end_at(hay, 2, hay.len()), Step::Match(24));
//! assert_eq!(dfa.end_at(b"xAKIAZ7QW3ER5TY6UI2OP", 0, 21), Step::NoMatch);
//! ```

use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

use regex_automata::dfa::{Automaton, StartKind, dense, onepass};
use regex_automata::meta::Regex;
use regex_automata::nfa::thompson::{self, backtrack::BoundedBacktracker};
use regex_automata::util::pool::Pool;
use regex_automata::util::primitives::NonMaxUsize;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind};
use regex_syntax::hir::{Hir, HirKind, Look};

/// Largest dense DFA built for one detector (bytes of transition table and metadata).
pub const DFA_SIZE_LIMIT: usize = 512 << 10;
/// Largest one-pass DFA built for one detector.
const ONEPASS_SIZE_LIMIT: usize = 1 << 20;

/// The outcome of an anchored walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The leftmost-first match starting at the given start ends here.
    Match(usize),
    /// No match starts there.
    NoMatch,
    /// The walk went past its limit (or met a byte the DFA cannot decide): ask the regex.
    Unknown,
}

/// A detector's regex as a shared, precompiled anchored DFA, plus the engine that extracts
/// the `secret` group from a confirmed match.
#[derive(Clone)]
pub struct AnchoredDfa {
    dfa: dense::DFA<Vec<u32>>,
    groups: Arc<Groups>,
    /// Where the `secret` group lies when the regex reads `boundary (?P<secret>…) boundary`.
    bounds: Option<Bounds>,
}

/// The common detector layout `(?:^|[^A-Z]|\\[nrt])(?P<secret>…)(?:$|[^A-Z])`, read from the
/// syntax tree: when the byte at the match start can only begin the one-byte branch of the
/// leading boundary, the secret starts one byte in; when the match ends before the end of the
/// haystack, the trailing boundary consumed exactly one byte. Either way no capture search is
/// needed; the other cases use the capture engine.
#[derive(Debug, Clone, Default)]
struct Bounds {
    /// Leading boundary: bytes for which the secret starts one byte after the match start
    /// (when the match does not start at offset 0), or `None` if there is no leading part.
    lead: Option<[bool; 256]>,
    /// Trailing boundary: `Some(true)` if it is `$` or one byte, `Some(false)` if always one
    /// byte, `None` if there is no trailing part.
    trail_end_or_byte: Option<bool>,
}

impl std::fmt::Debug for AnchoredDfa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnchoredDfa")
            .field("dfa_bytes", &self.dfa.memory_usage())
            .field("onepass", &self.is_onepass())
            .finish()
    }
}

/// Capture engine for the span of a confirmed match.
enum GroupEngine {
    OnePass(Box<onepass::DFA>),
    Backtrack(BoundedBacktracker),
}

/// Per-worker scratch space of a [`GroupEngine`].
#[derive(Debug)]
struct GroupCache {
    onepass: Option<onepass::Cache>,
    backtrack: Option<thompson::backtrack::Cache>,
    slots: Vec<Option<NonMaxUsize>>,
}

type CacheFn = Box<dyn Fn() -> GroupCache + Send + Sync + UnwindSafe + RefUnwindSafe>;

struct Groups {
    engine: Arc<GroupEngine>,
    pool: Pool<GroupCache, CacheFn>,
}

fn syntax_config() -> syntax::Config {
    // The detector syntax: bytes, no Unicode classes (as `CompiledDetector::regex`).
    syntax::Config::new().unicode(false).utf8(false)
}

impl AnchoredDfa {
    /// Builds the automata for `pattern`, or `None` if its dense DFA would exceed
    /// [`DFA_SIZE_LIMIT`] (or the pattern needs something a DFA cannot do).
    pub fn new(pattern: &str) -> Option<AnchoredDfa> {
        let dfa = dense::Builder::new()
            .syntax(syntax_config())
            .thompson(thompson::Config::new().utf8(false))
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Anchored)
                    .match_kind(MatchKind::LeftmostFirst)
                    .accelerate(false)
                    .dfa_size_limit(Some(DFA_SIZE_LIMIT))
                    .determinize_size_limit(Some(2 * DFA_SIZE_LIMIT)),
            )
            .build(pattern)
            .ok()?;
        let onepass = onepass::Builder::new()
            .syntax(syntax_config())
            .thompson(thompson::Config::new().utf8(false))
            .configure(
                onepass::Config::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .size_limit(Some(ONEPASS_SIZE_LIMIT)),
            )
            .build(pattern);
        let engine = match onepass {
            Ok(op) => GroupEngine::OnePass(Box::new(op)),
            Err(_) => GroupEngine::Backtrack(
                thompson::backtrack::Builder::new()
                    .syntax(syntax_config())
                    .thompson(thompson::Config::new().utf8(false))
                    .build(pattern)
                    .ok()?,
            ),
        };
        let engine = Arc::new(engine);
        let for_pool = Arc::clone(&engine);
        let create: CacheFn = Box::new(move || match &*for_pool {
            GroupEngine::OnePass(op) => GroupCache {
                onepass: Some(op.create_cache()),
                backtrack: None,
                slots: vec![None; op.get_nfa().group_info().slot_len()],
            },
            GroupEngine::Backtrack(bt) => GroupCache {
                onepass: None,
                backtrack: Some(bt.create_cache()),
                slots: vec![None; bt.get_nfa().group_info().slot_len()],
            },
        });
        let groups = Arc::new(Groups {
            engine,
            pool: Pool::new(create),
        });
        let bounds = syntax::parse_with(pattern, &syntax_config())
            .ok()
            .and_then(|h| Bounds::new(&h));
        Some(AnchoredDfa {
            dfa,
            groups,
            bounds,
        })
    }

    /// Size of the automata in bytes.
    pub fn memory_usage(&self) -> usize {
        self.dfa.memory_usage()
            + match &*self.groups.engine {
                GroupEngine::OnePass(op) => op.memory_usage(),
                GroupEngine::Backtrack(bt) => bt.get_nfa().memory_usage(),
            }
    }

    /// Whether the `secret` group is extracted with a one-pass DFA.
    pub fn is_onepass(&self) -> bool {
        matches!(*self.groups.engine, GroupEngine::OnePass(_))
    }

    /// The end of the leftmost-first match starting exactly at `start`, with `hay` around it
    /// as context for look-behind and look-ahead (`^`, `$`, `\b`). The walk stops when the DFA
    /// dies; if it is still alive after reading `hay[..limit]` (with `limit < hay.len()`) the
    /// answer is [`Step::Unknown`].
    #[inline]
    pub fn end_at(&self, hay: &[u8], start: usize, limit: usize) -> Step {
        let dfa = &self.dfa;
        let input = Input::new(hay).range(start..).anchored(Anchored::Yes);
        let Ok(mut sid) = dfa.start_state_forward(&input) else {
            return Step::Unknown;
        };
        let limit = limit.min(hay.len());
        let mut found = Step::NoMatch;
        let mut at = start;
        while at < hay.len() {
            if at >= limit {
                return Step::Unknown;
            }
            sid = dfa.next_state(sid, hay[at]);
            if dfa.is_special_state(sid) {
                if dfa.is_match_state(sid) {
                    // Matches are reported one byte late: the match ends before `hay[at]`.
                    found = Step::Match(at);
                } else if dfa.is_dead_state(sid) {
                    return found;
                } else if dfa.is_quit_state(sid) {
                    return Step::Unknown;
                }
            }
            at += 1;
        }
        sid = dfa.next_eoi_state(sid);
        if dfa.is_match_state(sid) {
            found = Step::Match(hay.len());
        }
        found
    }

    /// The span of capture group `group` in the match `start..end` (found by
    /// [`end_at`](Self::end_at)), or `None` if the group did not take part. `regex` is the same
    /// pattern, used when it is not one-pass.
    pub fn group(
        &self,
        regex: &Regex,
        hay: &[u8],
        start: usize,
        end: usize,
        group: usize,
    ) -> Option<(usize, usize)> {
        // The search is confined to the match span; `hay` stays the context for look-around,
        // so the leftmost-first match found is the same one, with the same groups.
        if let Some(b) = &self.bounds
            && let Some(span) = b.secret(hay, start, end)
        {
            return Some(span);
        }
        let input = Input::new(hay).range(start..end).anchored(Anchored::Yes);
        let mut guard = self.groups.pool.get();
        let cache = &mut *guard;
        if 2 * group + 1 >= cache.slots.len() {
            return None;
        }
        let found = match (
            &*self.groups.engine,
            &mut cache.onepass,
            &mut cache.backtrack,
        ) {
            (GroupEngine::OnePass(op), Some(c), _) => {
                op.try_search_slots(c, &input, &mut cache.slots)
            }
            (GroupEngine::Backtrack(bt), _, Some(c)) if end - start <= bt.max_haystack_len() => {
                bt.try_search_slots(c, &input, &mut cache.slots)
            }
            _ => {
                let mut caps = regex.create_captures();
                regex.search_captures(&input, &mut caps);
                return caps.get_group(group).map(|s| (s.start, s.end));
            }
        };
        match found {
            Ok(Some(_)) => {
                let s = cache.slots[2 * group]?.get();
                let e = cache.slots[2 * group + 1]?.get();
                Some((s, e))
            }
            _ => None,
        }
    }
}

/// The bytes `h` can match if it is one byte wide (a one-byte literal or a byte class).
fn one_byte(h: &Hir) -> Option<[bool; 256]> {
    let mut set = [false; 256];
    match h.kind() {
        HirKind::Literal(l) if l.0.len() == 1 => set[l.0[0] as usize] = true,
        HirKind::Class(regex_syntax::hir::Class::Bytes(c)) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    set[b as usize] = true;
                }
            }
        }
        _ => return None,
    }
    Some(set)
}

/// The bytes a match of `h` may start with; all bytes when unsure.
fn first_bytes(h: &Hir) -> [bool; 256] {
    match h.kind() {
        HirKind::Concat(items) if !items.is_empty() => one_byte(&items[0]).unwrap_or([true; 256]),
        _ => one_byte(h).unwrap_or([true; 256]),
    }
}

impl Bounds {
    /// Reads the layout from the syntax tree, if the pattern has it.
    fn new(h: &Hir) -> Option<Bounds> {
        let items: &[Hir] = match h.kind() {
            HirKind::Concat(items) => items,
            _ => std::slice::from_ref(h),
        };
        let is_secret = |h: &Hir| matches!(h.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("secret"));
        let at = items.iter().position(is_secret)?;
        if at > 1 || items.len() - at > 2 {
            return None;
        }
        let mut bounds = Bounds::default();
        if at == 1 {
            // Branches: any number of `^`, then one one-byte branch, then branches that may
            // not start with the bytes we keep.
            let branches: &[Hir] = match items[0].kind() {
                HirKind::Alternation(bs) => bs,
                _ => std::slice::from_ref(&items[0]),
            };
            let k = branches
                .iter()
                .position(|b| !matches!(b.kind(), HirKind::Look(Look::Start)))?;
            let mut lead = one_byte(&branches[k])?;
            for later in &branches[k + 1..] {
                if matches!(later.kind(), HirKind::Look(Look::Start)) {
                    continue;
                }
                let fb = first_bytes(later);
                for (keep, other) in lead.iter_mut().zip(fb) {
                    *keep &= !other;
                }
            }
            bounds.lead = Some(lead);
        }
        if items.len() - at == 2 {
            let branches: &[Hir] = match items[at + 1].kind() {
                HirKind::Alternation(bs) => bs,
                _ => std::slice::from_ref(&items[at + 1]),
            };
            let mut end_or_byte = false;
            for b in branches {
                if matches!(b.kind(), HirKind::Look(Look::End)) {
                    end_or_byte = true;
                } else {
                    one_byte(b)?;
                }
            }
            bounds.trail_end_or_byte = Some(end_or_byte);
        }
        Some(bounds)
    }

    /// The secret's span in the match `start..end` of `hay`, when the layout decides it.
    #[inline]
    fn secret(&self, hay: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
        let s = match &self.lead {
            None => start,
            // `^` cannot hold past offset 0; the byte can only begin the one-byte branch.
            Some(lead) if start > 0 && start < end && lead[hay[start] as usize] => start + 1,
            Some(_) => return None,
        };
        let e = match self.trail_end_or_byte {
            None => end,
            // `$` cannot hold before the end of the haystack: the boundary took one byte.
            Some(true) if end < hay.len() => end - 1,
            Some(true) => return None,
            Some(false) => end - 1,
        };
        (s <= e).then_some((s, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::PatternID;

    /// A match: start, end, secret span.
    type Found = (usize, usize, (usize, usize));

    /// The reference: the meta regex, anchored at `st`, over all of `hay`, with the `secret`
    /// group (the whole match if there is none).
    fn reference(re: &Regex, hay: &[u8], st: usize) -> Option<Found> {
        let mut caps = re.create_captures();
        re.search_captures(
            &Input::new(hay).range(st..).anchored(Anchored::Yes),
            &mut caps,
        );
        let m = caps.get_match()?;
        let g = re.group_info().to_index(PatternID::ZERO, "secret");
        let secret = match g.and_then(|g| caps.get_group(g)) {
            Some(s) => (s.start, s.end),
            None => (m.start(), m.end()),
        };
        Some((m.start(), m.end(), secret))
    }

    /// The DFA path, as the engine runs it (no limit).
    fn ours(dfa: &AnchoredDfa, re: &Regex, hay: &[u8], st: usize) -> Option<Found> {
        match dfa.end_at(hay, st, hay.len()) {
            Step::Match(end) => {
                let g = re.group_info().to_index(PatternID::ZERO, "secret");
                let secret = g
                    .and_then(|g| dfa.group(re, hay, st, end, g))
                    .unwrap_or((st, end));
                Some((st, end, secret))
            }
            Step::NoMatch => None,
            Step::Unknown => panic!("unknown without a limit at {st}"),
        }
    }

    fn regex(p: &str) -> Regex {
        Regex::builder()
            .syntax(syntax_config())
            .configure(Regex::config().utf8_empty(false))
            .build(p)
            .unwrap()
    }

    /// Checks the DFA against the regex at every start of every haystack.
    fn agree(pattern: &str, hays: &[&[u8]]) {
        let dfa = AnchoredDfa::new(pattern).unwrap_or_else(|| panic!("{pattern}: no DFA"));
        let re = regex(pattern);
        for hay in hays {
            for st in 0..=hay.len() {
                assert_eq!(
                    ours(&dfa, &re, hay, st),
                    reference(&re, hay, st),
                    "pattern {pattern:?} at {st} of {:?}",
                    String::from_utf8_lossy(hay)
                );
            }
        }
    }

    #[test]
    fn dfa_agrees_with_the_regex() {
        let hays: &[&[u8]] = &[
            b"key=AKIAZ7QW3ER5TY6UI2OP; \\nAKIAZ7QW3ER5TY6UI2OPX AKIA",
            b"password = \"hunter2hunter2\" passwd:  x pass=:=abc",
            b"sk_live_0123456789abcdefABCDEF0123 rk_test_short \\rk_live_0123456789abcdefABCDEF01",
            b"",
            b"aaa:=bbb",
            b"ababababab abababa xyzabc 4111 1111 1111 1111 4111-1111-1111-11 12.34.567 99 8888",
            b"key=value= k== abc-def key",
            b"AKIAZ7QW3ER5TY6UI2OP",
            b"\\AKIAZ7QW3ER5TY6UI2OP",
            b"x \\tAKIAZ7QW3ER5TY6UI2OP\\n",
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
            // Beyond what a direct matcher handles: lazy, word boundaries, backtracking runs.
            r"[a-z]{0,40}?b",
            r"\bkey\b",
            r"(?P<secret>[a-z]+[a-c]+[a-b])",
            r"(?:ab){2,20}",
        ] {
            agree(p, hays);
        }
    }

    #[test]
    fn walks_stop_at_the_limit() {
        let dfa = AnchoredDfa::new(r"[a-z]{2,}=").unwrap();
        let hay = b"abcdefgh=";
        assert_eq!(dfa.end_at(hay, 0, hay.len()), Step::Match(9));
        // Still alive after reading 4 bytes: the caller must ask the regex.
        assert_eq!(dfa.end_at(hay, 0, 4), Step::Unknown);
        // A failure within the limit is certain.
        assert_eq!(dfa.end_at(b"1=", 0, 1), Step::NoMatch);
        assert_eq!(dfa.end_at(b"a=", 0, 1), Step::Unknown);
        // The limit is irrelevant once the haystack ends.
        assert_eq!(dfa.end_at(b"ab=", 0, 99), Step::Match(3));
    }

    #[test]
    fn boundary_layouts_are_recognised() {
        let b = |p: &str| AnchoredDfa::new(p).unwrap().bounds;
        let aws =
            b(r"(?:^|[^0-9A-Za-z+/]|\\[nrt])(?P<secret>AKIA[A-Z2-7]{16})(?:$|[^0-9A-Za-z_+/-])")
                .unwrap();
        let lead = aws.lead.unwrap();
        // A backslash may begin `\\n`: the capture engine decides.
        assert!(lead[b' ' as usize] && !lead[b'\\' as usize] && !lead[b'a' as usize]);
        assert_eq!(aws.trail_end_or_byte, Some(true));
        assert!(b(r"(?P<secret>AGE-[A-Z]{4})").is_some());
        // A keyword before the group, or a group inside a repetition: no layout.
        assert!(b(r"key=(?P<secret>[a-z]+)").is_none());
        assert!(b(r"(?:^|[^a-z])(?P<secret>[a-z]+)(?:$|;;)").is_none());
    }

    #[test]
    fn oversized_dfas_are_refused() {
        // The classic exponential blow-up: the 20th byte from the end must be `a`.
        assert!(AnchoredDfa::new(r"[ab]*a[ab]{20}").is_none());
        assert!(AnchoredDfa::new(r"[ab]*a[ab]{3}").is_some());
    }

    /// Every built-in detector with a DFA (all but a few whose DFA would be too large) agrees
    /// with its regex on its examples, and near every keyword of a generated corpus with
    /// planted secrets and decoys.
    #[test]
    fn builtin_dfas_agree_with_their_regexes() {
        use crate::redact::detector::DetectorFile;
        use crate::redact::generate::{Generator, Kind};
        let file = DetectorFile::parse(crate::redact::BUILTIN_YAML, "builtin").unwrap();
        let mut g = Generator::builtin(7).unwrap();
        g.secret_every = 2;
        let corpus = g.corpus(Kind::Text, 256 << 10).text;
        let corpus = corpus.as_bytes();
        let mut without = Vec::new();
        let mut bounded = 0;
        for d in &file.detectors {
            let c = d.compile().unwrap();
            let Some(dfa) = c.dfa.get() else {
                without.push(d.id.clone());
                continue;
            };
            bounded += usize::from(dfa.bounds.is_some());
            assert!(dfa.memory_usage() <= 2 * DFA_SIZE_LIMIT);
            for ex in d.examples.positive.iter().chain(&d.examples.negative) {
                for st in 0..=ex.len() {
                    assert_eq!(
                        ours(dfa, &c.regex, ex.as_bytes(), st),
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
                            ours(dfa, &c.regex, corpus, st),
                            reference(&c.regex, corpus, st),
                            "{} at {st}",
                            d.id
                        );
                    }
                }
            }
        }
        assert!(without.len() <= 3, "detectors without a DFA: {without:?}");
        assert!(
            bounded >= 40,
            "only {bounded} detectors skip the capture search"
        );
    }
}
