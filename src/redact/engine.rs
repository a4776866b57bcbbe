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
//! Only the window `[hit - max_len, hit + max_len]` around a candidate goes to the detector's
//! regex; overlapping windows of one detector are merged so each byte is confirmed at most once
//! per detector. Overlapping findings are resolved by length (longest wins), then priority.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use memchr::memmem;

use super::detector::{CompiledDetector, DigitShape, Prefilter};

/// Keywords shorter than this go to separate `memmem` scans.
const SHORT_KEYWORD: usize = 4;

/// A confirmed finding: detector index and byte span of the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub detector: u16,
    pub start: usize,
    pub end: usize,
}

/// Decides whether a confirmed secret is allowed (kept) anyway.
pub trait Allow: Sync {
    fn allows(&self, secret: &[u8]) -> bool;
}

/// The compiled engine.
#[derive(Debug)]
pub struct Engine {
    pub(crate) detectors: Vec<CompiledDetector>,
    ac: Option<AhoCorasick>,
    /// For each automaton pattern, the detectors it triggers.
    ac_triggers: Vec<Vec<u16>>,
    short: Vec<(memmem::Finder<'static>, Vec<u16>)>,
    at_sign: Vec<u16>,
    digits: Vec<(DigitShape, u16)>,
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
        let ac_triggers = long.iter().map(|k| triggers_for(k)).collect();
        let ac = if long.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&long)?,
            )
        };
        let short = short
            .iter()
            .map(|k| {
                (
                    memmem::Finder::new(k.as_bytes()).into_owned(),
                    triggers_for(k),
                )
            })
            .collect();
        Ok(Engine {
            detectors,
            ac,
            ac_triggers,
            short,
            at_sign,
            digits,
        })
    }

    /// Ids of the detectors, by index.
    pub fn detector_id(&self, i: u16) -> &str {
        &self.detectors[i as usize].id
    }

    /// Scans `hay`; returns non-overlapping findings sorted by start.
    pub fn scan(&self, hay: &[u8], allow: &dyn Allow) -> Vec<Hit> {
        // (detector, candidate start, candidate end)
        let mut cands: Vec<(u16, usize, usize)> = Vec::new();
        if let Some(ac) = &self.ac {
            for m in ac.find_iter(hay) {
                for &d in &self.ac_triggers[m.pattern().as_usize()] {
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
            let mut ws = cands[i].1.saturating_sub(det.max_len);
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
                    ws = cands[i].1.saturating_sub(det.max_len);
                    we = (cands[i].2 + det.max_len).min(hay.len());
                    i += 1;
                } else {
                    break;
                }
            }
        }
        resolve(hits, &self.detectors)
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
        let mut pos = ws;
        while pos <= we {
            let Some(mut m) = det.regex.find_at(&hay[..we], pos) else {
                break;
            };
            let mut whole = &hay[..we];
            if m.end() == we && we < hay.len() {
                // The window may have cut the match short: search again without the limit.
                match det.regex.find_at(hay, m.start()) {
                    Some(m2) => {
                        m = m2;
                        whole = hay;
                    }
                    None => break,
                }
            }
            let (s, e) = match det.secret_group {
                Some(g) => match det
                    .regex
                    .captures_at(whole, m.start())
                    .and_then(|c| c.get(g))
                {
                    Some(g) => (g.start(), g.end()),
                    None => (m.start(), m.end()),
                },
                None => (m.start(), m.end()),
            };
            let secret = &hay[s..e];
            if s < e && det.validators.iter().all(|v| v.check(secret)) && !allow.allows(secret) {
                hits.push(Hit {
                    detector: d,
                    start: s,
                    end: e,
                });
            }
            pos = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
        }
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
                self.start >= 2
                    && hay[self.start - 1].is_ascii_uppercase()
                    && hay[self.start - 2].is_ascii_uppercase()
                    && self.first_group >= 2
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

/// Whether any byte of `w` is an ASCII digit.
#[inline]
fn has_digit(w: u64) -> bool {
    let x = w ^ (0x30 * LO);
    // any byte < 10 (exact for n <= 128)
    (x.wrapping_sub(10 * LO) & !x & HI) != 0
}

/// Calls `f` for every run of digits (groups joined by one of ` -.()/` or `) `).
pub(crate) fn digit_runs(hay: &[u8], mut f: impl FnMut(DigitRun)) {
    let n = hay.len();
    let mut i = 0;
    while i < n {
        // Skip 8 bytes at a time while there is no digit.
        while i + 8 <= n {
            let w = u64::from_le_bytes(hay[i..i + 8].try_into().expect("8 bytes"));
            if has_digit(w) {
                break;
            }
            i += 8;
        }
        while i < n && !hay[i].is_ascii_digit() {
            i += 1;
        }
        if i >= n {
            break;
        }
        let start = i;
        let mut digits = 0usize;
        let mut groups = 1usize;
        let mut group_len = 0usize;
        let mut first_group = 0usize;
        let mut lens = [0usize; 3];
        let mut end = i;
        let mut j = i;
        while j < n {
            let b = hay[j];
            if b.is_ascii_digit() {
                digits += 1;
                group_len += 1;
                end = j + 1;
                j += 1;
            } else if matches!(b, b' ' | b'-' | b'.' | b'(' | b')' | b'/')
                && j + 1 < n
                && (hay[j + 1].is_ascii_digit()
                    || (b == b')'
                        && hay[j + 1] == b' '
                        && j + 2 < n
                        && hay[j + 2].is_ascii_digit()))
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
        i = j.max(i + 1);
    }
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
        assert_eq!(runs("a1b22"), vec![(1, 2, 1), (3, 5, 2)]);
        assert_eq!(runs("(555) 123-4567"), vec![(1, 14, 10)]);
        assert_eq!(runs("12--34"), vec![(0, 2, 2), (4, 6, 2)]);
    }

    #[test]
    fn has_digit_is_exact() {
        for b in 0u8..=255 {
            let w = u64::from_le_bytes([b, b'a', b'a', b'a', b'a', b'a', b'a', b'a']);
            assert_eq!(has_digit(w), b.is_ascii_digit(), "byte {b}");
        }
    }
}
