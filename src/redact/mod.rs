//! Redaction stage: finds secrets and personal data in text and replaces each with
//! `[REDACTED:<rule-id>]`. Detectors are data (`policies/redaction.yaml`); an `aho-corasick`
//! keyword prefilter finds candidate windows, `regex` confirms, validators (checksums, entropy,
//! Luhn, mod-97) reject look-alikes. Used on execution output and by `pywarden redact`.
//!
//! ```
//! let r = pywarden::redact::Redactor::builtin().unwrap();
//! let out = r.redact("key: AKIAZ7QW3ER5TY6UI2OP in the log");
//! assert_eq!(out.text, "key: [REDACTED:aws-access-key-id] in the log");
//! assert_eq!(out.findings[0].line, 1);
//! ```
//!
//! Submodules: [`detector`] (YAML schema), [`validate`] (post-match checks), [`engine`]
//! (prefilters, confirmation, overlaps), [`batch`] (streaming text and JSONL), [`jsonl`]
//! (finding a JSON pointer's string without a DOM), [`generate`] (synthetic corpus with planted
//! secrets, for tests and benchmarks).

pub mod anchored;
pub mod batch;
pub mod detector;
pub mod engine;
pub mod generate;
pub mod jsonl;
pub mod validate;

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use detector::{DetectorFile, DetectorSpec};
use engine::{Allow, Engine, Hit};

/// The built-in detector file, embedded in the binary.
pub const BUILTIN_YAML: &str = include_str!("../../policies/redaction.yaml");

/// One detected secret or identifier. Never carries the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Detector id, e.g. `aws-access-key-id`.
    pub rule: String,
    /// Byte span in the input text.
    pub start: usize,
    pub end: usize,
    /// 1-based line and column of `start`.
    pub line: u32,
    pub column: u32,
    /// A safe preview (e.g. `AKIA…[20 chars]`), never the secret.
    pub preview: String,
}

/// How many findings of one detector were redacted (ExecutionResult `redactions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionCount {
    pub rule: String,
    pub count: u64,
}

/// Redacted text and what was found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Redacted {
    pub text: String,
    pub findings: Vec<Finding>,
}

/// How a finding is replaced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Style {
    /// `[REDACTED:<rule-id>]` (the contract's default).
    #[default]
    Tag,
    /// The detector's public prefix (e.g. `ghp_`) kept, then `…[REDACTED:<rule-id>]`.
    Partial,
    /// `[REDACTED:<rule-id>:<12 hex>]`, a keyed HMAC-SHA256 of the secret: the same secret maps
    /// to the same token across records and runs with the same key.
    Hash { key: Vec<u8> },
}

/// Everything that shapes a [`Redactor`] besides the built-in detectors.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Extra detector files (same format as `policies/redaction.yaml`); their allowlists apply.
    pub rule_files: Vec<std::path::PathBuf>,
    /// Allowlist files (a detector file with only `allowlist:`).
    pub allowlist_files: Vec<std::path::PathBuf>,
    /// Detector ids switched off.
    pub disabled: Vec<String>,
    pub style: Style,
    /// Leave out the built-in detectors (only `rule_files`).
    pub no_builtin: bool,
}

/// Compiled allowlist.
#[derive(Debug, Default)]
struct Allowlist {
    values: HashSet<Vec<u8>>,
    regexes: Vec<regex::bytes::Regex>,
    paths: Vec<regex::Regex>,
}

impl Allow for Allowlist {
    fn allows(&self, secret: &[u8]) -> bool {
        self.values.contains(secret) || self.regexes.iter().any(|r| r.is_match(secret))
    }
}

impl Allowlist {
    fn add(&mut self, spec: &detector::AllowlistSpec, origin: &str) -> anyhow::Result<()> {
        self.values
            .extend(spec.values.iter().map(|v| v.as_bytes().to_vec()));
        for r in &spec.regexes {
            self.regexes.push(
                regex::bytes::Regex::new(r)
                    .with_context(|| format!("{origin}: allowlist regex `{r}`"))?,
            );
        }
        for r in &spec.paths {
            self.paths.push(
                regex::Regex::new(r).with_context(|| format!("{origin}: allowlist path `{r}`"))?,
            );
        }
        Ok(())
    }
}

/// Public facts about one loaded detector.
#[derive(Debug, Clone, Serialize)]
pub struct DetectorInfo {
    pub id: String,
    pub description: String,
    pub why: String,
}

/// The redaction engine, compiled once from detector definitions. Cheap to share.
pub struct Redactor {
    engine: Engine,
    allow: Allowlist,
    style: Style,
    info: Vec<DetectorInfo>,
    /// Literal prefixes shown in previews and kept by the partial style, per detector.
    prefixes: Vec<Vec<String>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("detectors", &self.info.len())
            .finish()
    }
}

impl Redactor {
    /// The built-in detectors (`policies/redaction.yaml`, embedded in the binary).
    pub fn builtin() -> anyhow::Result<Self> {
        Self::with_options(&Options::default())
    }

    /// The built-in detectors plus user files, allowlists, switches and style.
    pub fn with_options(opts: &Options) -> anyhow::Result<Self> {
        let mut specs: Vec<DetectorSpec> = Vec::new();
        let mut allow = Allowlist::default();
        if !opts.no_builtin {
            let file = DetectorFile::parse(BUILTIN_YAML, "policies/redaction.yaml")?;
            allow.add(&file.allowlist, "policies/redaction.yaml")?;
            specs.extend(file.detectors);
        }
        for path in opts.rule_files.iter().chain(&opts.allowlist_files) {
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read detector file {origin}"))?;
            let file = DetectorFile::parse(&text, &origin)?;
            allow.add(&file.allowlist, &origin)?;
            for d in file.detectors {
                if let Some(existing) = specs.iter_mut().find(|s| s.id == d.id) {
                    *existing = d; // a user file overrides a built-in detector of the same id
                } else {
                    specs.push(d);
                }
            }
        }
        for id in &opts.disabled {
            anyhow::ensure!(
                specs.iter().any(|s| &s.id == id),
                "--disable {id}: no detector has this id"
            );
        }
        specs.retain(|s| s.enabled && !opts.disabled.contains(&s.id));
        Self::from_specs(specs, allow, opts.style.clone())
    }

    /// Compiles detectors given as specs (no built-ins, no allowlist).
    pub fn from_specs_only(specs: Vec<DetectorSpec>) -> anyhow::Result<Self> {
        Self::from_specs(specs, Allowlist::default(), Style::Tag)
    }

    fn from_specs(
        specs: Vec<DetectorSpec>,
        allow: Allowlist,
        style: Style,
    ) -> anyhow::Result<Self> {
        // Each detector builds its DFAs (milliseconds apiece): on all cores.
        let compiled = {
            use rayon::prelude::*;
            specs
                .par_iter()
                .map(|s| s.compile())
                .collect::<anyhow::Result<Vec<_>>>()?
        };
        let mut info = Vec::with_capacity(specs.len());
        let mut prefixes = Vec::with_capacity(specs.len());
        for s in &specs {
            info.push(DetectorInfo {
                id: s.id.clone(),
                description: s.description.clone(),
                why: s.why.clone(),
            });
            prefixes.push(s.keywords.clone());
        }
        Ok(Redactor {
            engine: Engine::new(compiled)?,
            allow,
            style,
            info,
            prefixes,
        })
    }

    /// The loaded detectors.
    pub fn detectors(&self) -> &[DetectorInfo] {
        &self.info
    }

    /// Id of detector `i` (as in [`Hit::detector`]).
    pub fn rule_id(&self, i: u16) -> &str {
        self.engine.detector_id(i)
    }

    /// Whether `path` is allowlisted (never scanned).
    pub fn path_allowed(&self, path: &Path) -> bool {
        let p = path.to_string_lossy();
        self.allow.paths.iter().any(|r| r.is_match(&p))
    }

    /// Raw scan: non-overlapping findings sorted by start.
    ///
    /// A match of a detector with a long leading context (`sv=…&…&sig=<secret>` of an Azure
    /// SAS URL) consumes that context, so a second secret sharing it (`…&sig=<a>&sig=<b>`) is
    /// only matched once the first is replaced — found by fuzzing: redacting the output found
    /// more. Likewise a secret glued to another (`Bearer eyJhbGciOiJIUzI1NiIsInR(416)
    /// 555-2671`) is no match while its neighbour is there, but is once the neighbour becomes
    /// `[REDACTED:…]` (its `]` is a boundary). So the text around each such hit (as far as a
    /// match can reach) is scanned again with the hits replaced, and again around what that
    /// finds, until nothing new turns up. Each round looks only around the previous round's
    /// hits, so the work stays proportional to the number of hits; hits with a separator on
    /// both sides and a short context (the common case) need no second look.
    pub fn scan(&self, hay: &[u8]) -> Vec<Hit> {
        let mut hits = self.engine.scan(hay, &self.allow);
        let needing_rescan = |hs: &[Hit]| -> Vec<(Hit, usize, usize)> {
            hs.iter()
                .filter_map(|h| self.rescan_reach(hay, h).map(|(lo, hi)| (*h, lo, hi)))
                .collect()
        };
        let mut fresh = needing_rescan(&hits);
        while !fresh.is_empty() {
            let mut more: Vec<Hit> = Vec::new();
            for (h, lo, hi) in &fresh {
                for m in self.rescan_around(hay, &hits, h, *lo, *hi) {
                    if !more.iter().any(|o| o.start < m.end && m.start < o.end) {
                        more.push(m);
                    }
                }
            }
            hits.extend(more.iter().copied());
            hits.sort_by_key(|h| h.start);
            fresh = needing_rescan(&more);
        }
        hits
    }

    /// Whether replacing `h` can make a new match appear (see [`Redactor::scan`]), and if so
    /// how far before and after it to look: a match that consumed a long leading context can
    /// share it with another anywhere in its reach; a neighbour glued to the secret's end can
    /// start a match right after the marker, one glued to its start can end one right before.
    fn rescan_reach(&self, hay: &[u8], h: &Hit) -> Option<(usize, usize)> {
        if h.lead as usize > LONG_LEAD {
            let reach = self.engine.reach(h.detector);
            return Some((reach, reach));
        }
        // Only a match whose boundary byte was the secret's edge is new: one whose secret
        // begins right at `end` (with a byte a secret can start with), or ends right at
        // `start` (with a byte a secret can end with).
        let after = hay
            .get(h.end)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b"(+-_/".contains(&b));
        let before = h.start > 0 && {
            let b = hay[h.start - 1];
            b.is_ascii_alphanumeric() || b == b'_'
        };
        let reach = self.engine.max_reach();
        match (before, after) {
            (false, false) => None,
            (b, a) => Some((if b { reach } else { 0 }, if a { reach } else { 0 })),
        }
    }

    /// New hits in `[around.start - lo, around.end + hi]` of the text with every hit
    /// replaced, as offsets in `hay` (a hit that overlaps a replacement would be our own
    /// output, and is dropped).
    fn rescan_around(
        &self,
        hay: &[u8],
        hits: &[Hit],
        around: &Hit,
        lo: usize,
        hi: usize,
    ) -> Vec<Hit> {
        let mut rs = around.start.saturating_sub(lo);
        let mut re = (around.end + hi).min(hay.len());
        // The hits that reach into the region (sorted, non-overlapping: a binary search
        // each way); those cut by its edges are taken whole.
        let inside =
            &hits[hits.partition_point(|h| h.end <= rs)..hits.partition_point(|h| h.start < re)];
        if let Some(first) = inside.first() {
            rs = rs.min(first.start);
        }
        if let Some(last) = inside.last() {
            re = re.max(last.end);
        }
        // The region with its hits replaced, and each replacement's span there.
        let mut out = Vec::with_capacity(re - rs + 64 * inside.len());
        let mut spans = Vec::with_capacity(inside.len());
        self.write_replaced(hay, rs..re, inside, &mut out, |s, e| spans.push((s, e)));
        let mut found = Vec::new();
        'new: for m in self.engine.scan(&out, &self.allow) {
            // Offset in `hay`: `rs` plus the bytes before it, less what replacements added.
            let mut shift: isize = 0;
            for (old, &(s, e)) in inside.iter().zip(&spans) {
                if e <= m.start {
                    shift += (e - s) as isize - (old.end - old.start) as isize;
                } else if s < m.end {
                    continue 'new;
                } else {
                    break;
                }
            }
            let start = (rs as isize + m.start as isize - shift) as usize;
            let end = (rs as isize + m.end as isize - shift) as usize;
            // Only matches that involve the replacement are new: one starting at or before its
            // end (it shares the context, or the marker's `]` is its boundary) with the secret
            // after it, or one ending right at its start. Anything else in the window was
            // judged by the first scan — and near the window's edges it is an artefact of the
            // cut (a digit run seen without its first digits).
            let match_start = start.saturating_sub(m.lead as usize);
            let involved = (match_start <= around.end && start >= around.end)
                || (end <= around.start && end + 1 >= around.start);
            if involved && inside.iter().all(|o| o.end <= start || o.start >= end) {
                found.push(Hit { start, end, ..m });
            }
        }
        found
    }

    /// Writes `hay` with every hit replaced into `out`.
    pub fn apply(&self, hay: &[u8], hits: &[Hit], out: &mut Vec<u8>) {
        self.write_replaced(hay, 0..hay.len(), hits, out, |_, _| {});
    }

    /// Writes `hay[range]` with `hits` (sorted, inside the range) replaced into `out`, telling
    /// `on_replacement` where each replacement landed in `out`.
    fn write_replaced(
        &self,
        hay: &[u8],
        range: std::ops::Range<usize>,
        hits: &[Hit],
        out: &mut Vec<u8>,
        mut on_replacement: impl FnMut(usize, usize),
    ) {
        let mut last = range.start;
        for h in hits {
            out.extend_from_slice(&hay[last..h.start]);
            let start = out.len();
            self.replacement(hay, h, out);
            on_replacement(start, out.len());
            last = h.end;
        }
        out.extend_from_slice(&hay[last..range.end]);
    }

    fn replacement(&self, hay: &[u8], h: &Hit, out: &mut Vec<u8>) {
        let id = self.rule_id(h.detector);
        let secret = &hay[h.start..h.end];
        match &self.style {
            Style::Tag => {
                out.extend_from_slice(b"[REDACTED:");
                out.extend_from_slice(id.as_bytes());
                out.push(b']');
            }
            Style::Partial => {
                if let Some(p) = self.public_prefix(h.detector, secret) {
                    out.extend_from_slice(p.as_bytes());
                    out.extend_from_slice("…".as_bytes());
                }
                out.extend_from_slice(b"[REDACTED:");
                out.extend_from_slice(id.as_bytes());
                out.push(b']');
            }
            Style::Hash { key } => {
                let mut mac =
                    <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
                mac.update(id.as_bytes());
                mac.update(b"\0");
                mac.update(secret);
                let tag = mac.finalize().into_bytes();
                out.extend_from_slice(b"[REDACTED:");
                out.extend_from_slice(id.as_bytes());
                out.push(b':');
                out.extend_from_slice(hex::encode(&tag[..6]).as_bytes());
                out.push(b']');
            }
        }
    }

    /// The detector keyword the secret starts with, if any (a public, non-secret prefix).
    fn public_prefix(&self, detector: u16, secret: &[u8]) -> Option<&str> {
        self.prefixes[detector as usize]
            .iter()
            .filter(|k| secret.starts_with(k.as_bytes()) && k.len() * 2 <= secret.len())
            .max_by_key(|k| k.len())
            .map(String::as_str)
    }

    /// A preview that never shows the secret: public prefix (if any) and length.
    pub fn preview(&self, hay: &[u8], h: &Hit) -> String {
        let secret = &hay[h.start..h.end];
        let n = String::from_utf8_lossy(secret).chars().count();
        match self.public_prefix(h.detector, secret) {
            Some(p) => format!("{p}…[{n} chars]"),
            None => format!("…[{n} chars]"),
        }
    }

    /// Findings with line/column (1-based, column in bytes) for `hits` of `hay`.
    pub fn findings(&self, hay: &[u8], hits: &[Hit]) -> Vec<Finding> {
        let mut line = 1u32;
        let mut line_start = 0usize;
        let mut pos = 0usize;
        hits.iter()
            .map(|h| {
                for nl in memchr::memchr_iter(b'\n', &hay[pos..h.start]) {
                    line += 1;
                    line_start = pos + nl + 1;
                }
                pos = h.start;
                Finding {
                    rule: self.rule_id(h.detector).to_string(),
                    start: h.start,
                    end: h.end,
                    line,
                    column: (h.start - line_start + 1) as u32,
                    preview: self.preview(hay, h),
                }
            })
            .collect()
    }

    /// Redacts `text`, replacing each finding with `[REDACTED:<rule-id>]` (or the configured
    /// style).
    pub fn redact(&self, text: &str) -> Redacted {
        let hay = text.as_bytes();
        let hits = self.scan(hay);
        if hits.is_empty() {
            return Redacted {
                text: text.to_string(),
                findings: Vec::new(),
            };
        }
        let mut out = Vec::with_capacity(hay.len());
        self.apply(hay, &hits, &mut out);
        Redacted {
            // Spans start and end on ASCII-anchored regex matches over valid UTF-8, and the
            // replacements are UTF-8, so this does not lose anything.
            text: String::from_utf8(out)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            findings: self.findings(hay, &hits),
        }
    }
}

/// A hit whose match consumed more leading context than this (bytes before the secret) is
/// looked at again once replaced (see [`Redactor::scan`]).
const LONG_LEAD: usize = 8;

/// Counts findings per rule (sorted by rule id).
pub fn count_by_rule(findings: &[Finding]) -> Vec<RedactionCount> {
    let mut map = std::collections::BTreeMap::<&str, u64>::new();
    for f in findings {
        *map.entry(f.rule.as_str()).or_default() += 1;
    }
    map.into_iter()
        .map(|(rule, count)| RedactionCount {
            rule: rule.to_string(),
            count,
        })
        .collect()
}
