//! The scanning engine: finds candidate positions cheaply, confirms them with each detector's
//! regex on a small window, validates, and resolves overlaps.
//!
//! Candidates come from four prefilters, each one linear pass over the input:
//! * one `aho-corasick` automaton (leftmost-longest, packed/Teddy) over every keyword of at
//!   least 4 bytes;
//! * a `memchr::memmem` finder per shorter keyword (`hf_`, `SK`, `SG.`), which keeps the
//!   automaton in its fast path;
//! * `memchr` for `@` (email addresses);
//! * a digit-run scanner (SWAR skip over digit-free 8-byte words) that classifies runs by shape
//!   (card, SSN, phone, IBAN, Telegram) for the keyword-less detectors.
//!
//! Keyword detectors whose matches start at most `ANCHOR_MAX_BEFORE` (8) bytes before the keyword
//! (`before` in the YAML) are confirmed by anchored searches at each possible start: a false
//! candidate fails within a few bytes and no reverse scan is needed. For the others, every match
//! holds some candidate's anchor, so it starts in `[hit - before, hit end]` of one.
//!
//! Confirmation walks the detector's precompiled, shared [`AnchoredDfa`] from each possible
//! start (one dense DFA transition per byte, no per-thread cache to warm), then extracts the
//! `secret` group on the confirmed span only. For windowed detectors with a DFA, the possible
//! starts above are tried in order, each once. A walk that outlives the window falls back to the
//! regex on the window. Detectors whose DFA would be too large use the regex: anchored searches
//! as above, or for windowed ones the window `[hit - before, hit + max_len]`, overlapping windows
//! of one detector merged so each byte is confirmed at most once per detector. Overlapping
//! findings are resolved by length (longest wins), then priority.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use memchr::memmem;
use regex_automata::{Anchored, Input};

use super::anchored::{AnchoredDfa, Step};
use super::detector::{CompiledDetector, DigitShape, Prefilter};

/// Keywords shorter than this go to separate `memmem` scans.
const SHORT_KEYWORD: usize = 4;
/// Most keywords per automaton: above 64, aho-corasick leaves its packed (Teddy) prefilter.
const TEDDY_LIMIT: usize = 60;
/// Keyword detectors whose matches start at most this many bytes before the keyword are
/// confirmed by anchored searches at each possible start (see [`Engine::scan`]).
const ANCHOR_MAX_BEFORE: usize = 8;

/// A confirmed finding: detector index and byte span of the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub detector: u16,
    pub start: usize,
    pub end: usize,
    /// Bytes of leading context the match consumed before the secret (`sv=…&…&sig=` of an
    /// Azure SAS URL): another secret sharing that context is only matched once this one is
    /// replaced (see `Redactor::scan`).
    pub lead: u32,
}

/// Decides whether a confirmed secret is allowed (kept) anyway.
pub trait Allow: Sync {
    fn allows(&self, secret: &[u8]) -> bool;
}

/// The compiled engine.
#[derive(Debug)]
pub struct Engine {
    pub(crate) detectors: Vec<CompiledDetector>,
    /// Automata over groups of at most [`TEDDY_LIMIT`] keywords, each with, per pattern, the
    /// detectors it triggers.
    automata: Vec<(AhoCorasick, Vec<Vec<u16>>)>,
    short: Vec<(memmem::Finder<'static>, Vec<u16>)>,
    at_sign: Vec<u16>,
    digits: Vec<(DigitShape, u16)>,
    /// See [`Engine::max_reach`].
    max_reach: usize,
}

impl Engine {
    /// Builds the prefilters over `detectors`.
    pub fn new(detectors: Vec<CompiledDetector>) -> anyhow::Result<Self> {
        anyhow::ensure!(
            detectors.len() < u16::MAX as usize,
            "too many detectors ({})",
            detectors.len()
        );
        let mut long: Vec<String> = Vec::new();
        let mut short: Vec<String> = Vec::new();
        let mut at_sign = Vec::new();
        let mut digits = Vec::new();
        for (i, d) in detectors.iter().enumerate() {
            match d.prefilter {
                Prefilter::Keywords => {
                    for k in &d.keywords {
                        if k.len() < SHORT_KEYWORD {
                            short.push(k.clone());
                        } else {
                            long.push(k.clone());
                        }
                    }
                }
                Prefilter::AtSign => at_sign.push(i as u16),
                Prefilter::Digits(shape) => digits.push((shape, i as u16)),
            }
        }
        long.sort();
        long.dedup();
        short.sort();
        short.dedup();
        // A reported keyword K triggers every detector with a keyword contained in K
        // (leftmost-longest reports only the longest keyword at a position).
        let triggers_for = |found: &str| -> Vec<u16> {
            detectors
                .iter()
                .enumerate()
                .filter(|(_, d)| {
                    d.prefilter == Prefilter::Keywords
                        && d.keywords.iter().any(|k| found.contains(k.as_str()))
                })
                .map(|(i, _)| i as u16)
                .collect()
        };
        let mut automata = Vec::new();
        if !long.is_empty() {
            let groups = long.len().div_ceil(TEDDY_LIMIT);
            let per = long.len().div_ceil(groups);
            for group in long.chunks(per) {
                let ac = AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(group)?;
                let triggers = group.iter().map(|k| triggers_for(k)).collect();
                automata.push((ac, triggers));
            }
        }
        let short = short
            .iter()
            .map(|k| {
                (
                    memmem::Finder::new(k.as_bytes()).into_owned(),
                    triggers_for(k),
                )
            })
            .collect();
        let max_reach = detectors
            .iter()
            .filter(|d| d.before <= ANCHOR_MAX_BEFORE)
            .map(|d| d.before + d.max_len)
            .max()
            .unwrap_or(0);
        Ok(Engine {
            detectors,
            automata,
            short,
            at_sign,
            digits,
            max_reach,
        })
    }

    /// How far around a replaced secret of detector `i` a new match can involve it.
    pub fn reach(&self, i: u16) -> usize {
        let d = &self.detectors[i as usize];
        d.before + d.max_len
    }

    /// How far a match of any short-context detector can reach from a byte it involves.
    pub fn max_reach(&self) -> usize {
        self.max_reach
    }

    /// Ids of the detectors, by index.
    pub fn detector_id(&self, i: u16) -> &str {
        &self.detectors[i as usize].id
    }

    /// Scans `hay`; returns non-overlapping findings sorted by start.
    pub fn scan(&self, hay: &[u8], allow: &dyn Allow) -> Vec<Hit> {
        // (detector, candidate start, candidate end)
        let mut cands: Vec<(u16, usize, usize)> = Vec::new();
        for (ac, triggers) in &self.automata {
            for m in ac.find_iter(hay) {
                for &d in &triggers[m.pattern().as_usize()] {
                    cands.push((d, m.start(), m.end()));
                }
            }
        }
        for (finder, dets) in &self.short {
            for pos in finder.find_iter(hay) {
                for &d in dets {
                    cands.push((d, pos, pos + finder.needle().len()));
                }
            }
        }
        if !self.at_sign.is_empty() {
            for pos in memchr::memchr_iter(b'@', hay) {
                let word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
                if pos > 0 && pos + 1 < hay.len() && word(hay[pos - 1]) && word(hay[pos + 1]) {
                    for &d in &self.at_sign {
                        cands.push((d, pos, pos + 1));
                    }
                }
            }
        }
        if !self.digits.is_empty() {
            digit_runs(hay, |run| {
                for &(shape, d) in &self.digits {
                    if run.matches(shape, hay) {
                        cands.push((d, run.start, run.end));
                    }
                }
            });
        }
        if cands.is_empty() {
            return Vec::new();
        }
        cands.sort_unstable();
        let mut hits = Vec::new();
        let mut i = 0;
        while i < cands.len() {
            let d = cands[i].0;
            let det = &self.detectors[d as usize];
            if det.prefilter == Prefilter::Keywords && det.before <= ANCHOR_MAX_BEFORE {
                // Matches start at most `before` bytes ahead of their keyword: try each such
                // start with an anchored search, which fails within a few bytes on a false
                // candidate instead of scanning a whole window.
                let mut free = 0; // matches of `d` may not start before this
                while i < cands.len() && cands[i].0 == d {
                    let (_, cs, ce) = cands[i];
                    i += 1;
                    for st in cs.saturating_sub(det.before).max(free)..=cs {
                        let next = match det.dfa.get() {
                            Some(dfa) => self.confirm_dfa(d, dfa, hay, st, ce, allow, &mut hits),
                            None => self.confirm_anchored(d, hay, st, ce, allow, &mut hits),
                        };
                        if let Some(next) = next {
                            free = next;
                            break;
                        }
                    }
                }
                continue;
            }
            if let Some(dfa) = det.dfa.get() {
                // Every match holds the anchor of some candidate, so it starts in
                // `[start - before, end]` of one: try those starts, in order, each once.
                let mut free = 0; // starts before this were tried or lie inside a match
                while i < cands.len() && cands[i].0 == d {
                    let (_, cs, ce) = cands[i];
                    i += 1;
                    let mut pos = cs.saturating_sub(det.before).max(free);
                    while pos <= ce.min(hay.len()) {
                        match self.confirm_dfa(d, dfa, hay, pos, ce, allow, &mut hits) {
                            Some(next) => pos = next,
                            None => pos += 1,
                        }
                    }
                    free = free.max(pos).max(ce + 1);
                }
                continue;
            }
            let mut ws = cands[i].1.saturating_sub(det.before);
            let mut we = (cands[i].2 + det.max_len).min(hay.len());
            i += 1;
            loop {
                while i < cands.len()
                    && cands[i].0 == d
                    && cands[i].1.saturating_sub(det.max_len) <= we
                {
                    we = we.max((cands[i].2 + det.max_len).min(hay.len()));
                    i += 1;
                }
                self.confirm(d, hay, ws, we, allow, &mut hits);
                if i < cands.len() && cands[i].0 == d {
                    ws = cands[i].1.saturating_sub(det.before);
                    we = (cands[i].2 + det.max_len).min(hay.len());
                    i += 1;
                } else {
                    break;
                }
            }
        }
        resolve(hits, &self.detectors)
    }

    /// Tries a match of detector `d` starting exactly at `st` (for a keyword ending at
    /// `kw_end`). Returns where the next match may start if there is a match (validated or
    /// not), `None` otherwise.
    fn confirm_anchored(
        &self,
        d: u16,
        hay: &[u8],
        st: usize,
        kw_end: usize,
        allow: &dyn Allow,
        hits: &mut Vec<Hit>,
    ) -> Option<usize> {
        let det = &self.detectors[d as usize];
        let we = (kw_end + det.max_len).min(hay.len());
        let input = Input::new(&hay[..we]).range(st..).anchored(Anchored::Yes);
        let mut m = det.regex.search(&input)?;
        let mut whole = false;
        if m.end() == we && we < hay.len() {
            // The window may have cut the match short: search again unbounded.
            let input = Input::new(hay).range(st..).anchored(Anchored::Yes);
            m = det.regex.search(&input)?;
            whole = true;
        }
        let (s, e) = match det.secret_group {
            None => (m.start(), m.end()),
            Some(g) => {
                let hay = if whole { hay } else { &hay[..we] };
                let input = Input::new(hay).range(st..m.end()).anchored(Anchored::Yes);
                let mut caps = det.regex.create_captures();
                det.regex.search_captures(&input, &mut caps);
                match caps.get_group(g) {
                    Some(sg) if caps.is_match() => (sg.start, sg.end),
                    _ => (m.start(), m.end()),
                }
            }
        };
        self.accept(d, hay, st, s, e, allow, hits);
        Some(next_start(m.start(), m.end(), e))
    }

    /// [`confirm_anchored`](Self::confirm_anchored) with the detector's DFA: walks it from `st`
    /// (up to the window end the regex would search), then extracts the `secret` group on the
    /// match only. A walk that outlives the window asks the regex.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn confirm_dfa(
        &self,
        d: u16,
        dfa: &AnchoredDfa,
        hay: &[u8],
        st: usize,
        kw_end: usize,
        allow: &dyn Allow,
        hits: &mut Vec<Hit>,
    ) -> Option<usize> {
        let det = &self.detectors[d as usize];
        let end = match dfa.end_at(hay, st, kw_end + det.max_len) {
            Step::Match(end) => end,
            Step::NoMatch => return None,
            Step::Unknown => return self.confirm_anchored(d, hay, st, kw_end, allow, hits),
        };
        let (s, e) = det
            .secret_group
            .and_then(|g| dfa.group(&det.regex, hay, st, end, g))
            .unwrap_or((st, end));
        self.accept(d, hay, st, s, e, allow, hits);
        Some(next_start(st, end, e))
    }

    /// Records `hay[s..e]` as a finding of `d` if it passes the validators and the allowlist.
    #[allow(clippy::too_many_arguments)]
    fn accept(
        &self,
        d: u16,
        hay: &[u8],
        ms: usize,
        s: usize,
        e: usize,
        allow: &dyn Allow,
        hits: &mut Vec<Hit>,
    ) {
        let det = &self.detectors[d as usize];
        let secret = &hay[s..e];
        // A span that contains one of our own markers is earlier output, not a new secret:
        // `postgres://[REDACTED:database-url-credentials]:@host` would otherwise match the
        // URL detector again, and redacting redacted text must change nothing.
        if s < e
            && memchr::memmem::find(secret, b"[REDACTED:").is_none()
            && det.validators.iter().all(|v| v.check(secret))
            && !allow.allows(secret)
        {
            hits.push(Hit {
                detector: d,
                start: s,
                end: e,
                lead: u32::try_from(s.saturating_sub(ms)).unwrap_or(u32::MAX),
            });
        }
    }

    fn confirm(
        &self,
        d: u16,
        hay: &[u8],
        ws: usize,
        we: usize,
        allow: &dyn Allow,
        hits: &mut Vec<Hit>,
    ) {
        let det = &self.detectors[d as usize];
        let mut caps = det.secret_group.map(|_| det.regex.create_captures());
        let mut pos = ws;
        while pos <= we {
            let (ms, me, s, e) = match (det.secret_group, caps.as_mut()) {
                (Some(g), Some(caps)) => {
                    det.regex
                        .search_captures(&Input::new(&hay[..we]).range(pos..), caps);
                    let Some(mut m) = caps.get_match() else {
                        break;
                    };
                    if m.end() == we && we < hay.len() {
                        // The window may have cut the match short: search again unbounded.
                        det.regex
                            .search_captures(&Input::new(hay).range(m.start()..), caps);
                        match caps.get_match() {
                            Some(m2) => m = m2,
                            None => break,
                        }
                    }
                    match caps.get_group(g) {
                        Some(sg) => (m.start(), m.end(), sg.start, sg.end),
                        None => (m.start(), m.end(), m.start(), m.end()),
                    }
                }
                _ => {
                    let Some(mut m) = det.regex.search(&Input::new(&hay[..we]).range(pos..)) else {
                        break;
                    };
                    if m.end() == we && we < hay.len() {
                        // The window may have cut the match short: search again unbounded.
                        match det.regex.search(&Input::new(hay).range(m.start()..)) {
                            Some(m2) => m = m2,
                            None => break,
                        }
                    }
                    (m.start(), m.end(), m.start(), m.end())
                }
            };
            self.accept(d, hay, ms, s, e, allow, hits);
            pos = next_start(ms, me, e);
        }
    }
}

/// Where the next match of a detector may start after a match `ms..me` with secret `s..e`:
/// after the secret (boundary bytes consumed by the regex may start the next match), and at
/// least one byte on.
fn next_start(ms: usize, me: usize, e: usize) -> usize {
    if e > ms {
        e.max(ms + 1)
    } else {
        me.max(ms + 1)
    }
}

/// Longest first, then higher priority, then earlier; keep those that overlap nothing kept.
fn resolve(mut hits: Vec<Hit>, detectors: &[CompiledDetector]) -> Vec<Hit> {
    if hits.len() <= 1 {
        return hits;
    }
    hits.sort_unstable_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then(
                detectors[b.detector as usize]
                    .priority
                    .cmp(&detectors[a.detector as usize].priority),
            )
            .then(a.start.cmp(&b.start))
            .then(a.detector.cmp(&b.detector))
    });
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for h in hits {
        // `kept` sorted by start; check neighbours.
        let idx = kept.partition_point(|k| k.start < h.start);
        let overlaps_prev = idx > 0 && kept[idx - 1].end > h.start;
        let overlaps_next = idx < kept.len() && kept[idx].start < h.end;
        if !overlaps_prev && !overlaps_next {
            kept.insert(idx, h);
        }
    }
    kept
}

/// A run of digits with single separators between groups.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DigitRun {
    pub start: usize,
    pub end: usize,
    pub digits: usize,
    pub groups: usize,
    pub first_group: usize,
    /// Group lengths 3-2-4 (SSN shape).
    pub ssn_shape: bool,
}

impl DigitRun {
    fn matches(&self, shape: DigitShape, hay: &[u8]) -> bool {
        match shape {
            DigitShape::Card => (13..=19).contains(&self.digits),
            DigitShape::Ssn => self.ssn_shape,
            DigitShape::Phone => {
                let before = if self.start > 0 {
                    hay[self.start - 1]
                } else {
                    b' '
                };
                let before2 = if self.start > 1 {
                    hay[self.start - 2]
                } else {
                    b' '
                };
                (10..=15).contains(&self.digits)
                    && (self.first_group <= 3 || before == b'+' || before2 == b'+')
            }
            DigitShape::Iban => {
                // Country code and check digits (`GB82`) just before or at the run start.
                let from = self.start.saturating_sub(12);
                let to = (self.start + 2).min(hay.len());
                hay[from..to].windows(4).any(|w| {
                    w[0].is_ascii_uppercase()
                        && w[1].is_ascii_uppercase()
                        && w[2].is_ascii_digit()
                        && w[3].is_ascii_digit()
                })
            }
            DigitShape::Telegram => {
                self.groups == 1
                    && (8..=10).contains(&self.digits)
                    && hay.get(self.end..self.end + 3) == Some(b":AA")
            }
            DigitShape::Any => self.digits >= 9,
        }
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit of each byte of `w` set iff that byte is an ASCII digit (exact, no carries).
#[inline]
fn digit_flags(w: u64) -> u64 {
    let x = w ^ (0x30 * LO);
    let y = (x & !HI).wrapping_add(0x76 * LO);
    !(y | x) & HI
}

/// Bit k set iff `chunk[k..k + 4]` are all ASCII digits (k in 0..13). SSE2 is part of the
/// x86_64 baseline, so no runtime detection is needed.
#[cfg(target_arch = "x86_64")]
#[inline]
fn four_digits_16(chunk: &[u8]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
        _mm_sub_epi8,
    };
    assert!(chunk.len() >= 16);
    // SAFETY: SSE2 is always available on x86_64; the load reads 16 bytes that `chunk` holds
    // (checked above) and has no alignment requirement.
    let m = unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast());
        let t = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
        let is_digit = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
        _mm_movemask_epi8(is_digit) as u32
    };
    m & (m >> 1) & (m >> 2) & (m >> 3) & 0x1FFF
}

#[inline]
fn is_sep(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.' | b'(' | b')' | b'/')
}

/// Calls `f` for every run of digits (groups joined by one of ` -.()/` or `) `) that contains
/// at least four consecutive digits (every shape the detectors look for does). Runs without
/// such a group are skipped eight bytes at a time.
pub(crate) fn digit_runs(hay: &[u8], mut f: impl FnMut(DigitRun)) {
    let n = hay.len();
    let mut i = 0;
    let mut floor = 0; // end of the previous run: never start before it
    while i < n {
        // Find four consecutive digits: five candidate starts per 8-byte load.
        let p;
        loop {
            #[cfg(target_arch = "x86_64")]
            if i + 16 <= n {
                let m = four_digits_16(&hay[i..i + 16]);
                if m != 0 {
                    p = i + m.trailing_zeros() as usize;
                    break;
                }
                i += 13;
                continue;
            }
            if i + 8 <= n {
                let w = u64::from_le_bytes(hay[i..i + 8].try_into().expect("8 bytes"));
                let d = digit_flags(w);
                let four = d & (d >> 8) & (d >> 16) & (d >> 24);
                if four != 0 {
                    p = i + (four.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 5;
            } else {
                // Tail: scalar.
                let mut run = 0;
                let mut found = None;
                for (k, &b) in hay.iter().enumerate().skip(i) {
                    if b.is_ascii_digit() {
                        run += 1;
                        if run == 4 {
                            found = Some(k - 3);
                            break;
                        }
                    } else {
                        run = 0;
                    }
                }
                match found {
                    Some(k) => {
                        p = k;
                        break;
                    }
                    None => return,
                }
            }
        }
        // Walk back to the start of the run.
        let mut start = p;
        loop {
            if start > floor && hay[start - 1].is_ascii_digit() {
                start -= 1;
            } else if start >= floor + 2
                && is_sep(hay[start - 1])
                && hay[start - 2].is_ascii_digit()
            {
                start -= 2;
            } else if start >= floor + 3
                && hay[start - 1] == b' '
                && hay[start - 2] == b')'
                && hay[start - 3].is_ascii_digit()
            {
                start -= 3;
            } else {
                break;
            }
        }
        let end = scan_run(hay, start, &mut f);
        floor = end;
        i = end.max(p + 4);
    }
}

/// Measures the run starting at digit `start`, reports it, returns the index after it.
fn scan_run(hay: &[u8], start: usize, f: &mut impl FnMut(DigitRun)) -> usize {
    let n = hay.len();
    let mut digits = 0usize;
    let mut groups = 1usize;
    let mut group_len = 0usize;
    let mut first_group = 0usize;
    let mut lens = [0usize; 3];
    let mut end = start;
    let mut j = start;
    while j < n {
        let b = hay[j];
        if b.is_ascii_digit() {
            digits += 1;
            group_len += 1;
            end = j + 1;
            j += 1;
        } else if is_sep(b)
            && j + 1 < n
            && (hay[j + 1].is_ascii_digit()
                || (b == b')' && hay[j + 1] == b' ' && j + 2 < n && hay[j + 2].is_ascii_digit()))
        {
            if groups <= 3 {
                lens[groups - 1] = group_len;
            }
            if groups == 1 {
                first_group = group_len;
            }
            groups += 1;
            group_len = 0;
            j += if b == b')' && hay[j + 1] == b' ' {
                2
            } else {
                1
            };
        } else {
            break;
        }
    }
    if groups <= 3 {
        lens[groups - 1] = group_len;
    }
    if groups == 1 {
        first_group = group_len;
    }
    f(DigitRun {
        start,
        end,
        digits,
        groups,
        first_group,
        ssn_shape: digits == 9 && groups == 3 && lens == [3, 2, 4],
    });
    end
}

#[doc(hidden)]
pub fn digit_runs_pub(hay: &[u8], mut f: impl FnMut(usize)) {
    digit_runs(hay, |r| f(r.digits));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(s: &str) -> Vec<(usize, usize, usize)> {
        let mut v = Vec::new();
        digit_runs(s.as_bytes(), |r| v.push((r.start, r.end, r.digits)));
        v
    }

    #[test]
    fn digit_runs_join_single_separators() {
        assert_eq!(runs("call 555-123-4567 now"), vec![(5, 17, 10)]);
        assert_eq!(runs("a1b22 and 333"), vec![]);
        assert_eq!(runs("(555) 123-4567"), vec![(1, 14, 10)]);
        assert_eq!(runs("1234--5678"), vec![(0, 4, 4), (6, 10, 4)]);
        assert_eq!(runs("x 4111 1111 1111 1111"), vec![(2, 21, 16)]);
        assert_eq!(runs("123-45-6789"), vec![(0, 11, 9)]);
    }

    #[test]
    fn digit_flags_are_exact() {
        for b in 0u8..=255 {
            for other in [b'a', b'5', 0xff, 0x00] {
                let w = u64::from_le_bytes([other, b, other, b, other, other, b, other]);
                let d = digit_flags(w);
                assert_eq!(d & (0x80 << 8) != 0, b.is_ascii_digit(), "byte {b}");
                assert_eq!(d & 0x80 != 0, other.is_ascii_digit(), "byte {other}");
            }
        }
    }
}
