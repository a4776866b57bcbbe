//! Detectors as data: the YAML schema of `policies/redaction.yaml` (and of user files passed
//! with `--rules`), and its compilation into regexes and validators.
//!
//! A detector file holds `detectors:` (each with an id, a description, keywords, a regex,
//! validators and positive/negative examples) and an optional `allowlist:`. Example:
//!
//! ```yaml
//! detectors:
//!   - id: acme-token
//!     description: ACME internal API token.
//!     keywords: [acme_tok_]
//!     regex: '\bacme_tok_[A-Za-z0-9]{32}\b'
//!     validators: [{entropy: {min: 3.5}}]
//!     examples:
//!       positive: ['ACME=acme_tok_9fT2kQ8LmZr4XwP1sB7nV3yH6cD0eJ5a']
//!       negative: ['acme_tok_example']
//! allowlist:
//!   values: ['acme_tok_0000000000000000000000000000000']
//!   regexes: ['^acme_tok_test']
//!   paths: ['fixtures/']
//! ```

use anyhow::{Context, bail};
use regex_automata::PatternID;
use regex_automata::meta::Regex;
use regex_automata::util::syntax;
use serde::Deserialize;

use super::validate::Validator;

/// A whole detector file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorFile {
    #[serde(default)]
    pub detectors: Vec<DetectorSpec>,
    #[serde(default)]
    pub allowlist: AllowlistSpec,
}

/// Values that are never redacted, and paths that are never scanned.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSpec {
    /// Exact secret values to keep (e.g. documented example keys).
    #[serde(default)]
    pub values: Vec<String>,
    /// Regexes matched against the secret; a full or partial match keeps it.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Regexes matched against input paths; matching files are copied unscanned.
    #[serde(default)]
    pub paths: Vec<String>,
}

/// Lets YAML write enum values as `name` or `{name: params}` (serde_yaml 0.9 otherwise wants
/// `!name` tags for the latter).
pub(crate) fn one_key_map_as_tag(v: serde_yaml::Value) -> serde_yaml::Value {
    use serde_yaml::value::{Tag, TaggedValue};
    match v {
        serde_yaml::Value::Mapping(m) if m.len() == 1 => {
            let (k, v) = m.into_iter().next().expect("one entry");
            match k {
                serde_yaml::Value::String(name) => {
                    serde_yaml::Value::Tagged(Box::new(TaggedValue {
                        tag: Tag::new(name),
                        value: v,
                    }))
                }
                k => {
                    let mut m = serde_yaml::Mapping::new();
                    m.insert(k, v);
                    serde_yaml::Value::Mapping(m)
                }
            }
        }
        v => v,
    }
}

/// How a detector's candidates are found before its regex runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case", try_from = "serde_yaml::Value")]
pub enum Prefilter {
    /// The keywords (literal anchors) via the shared aho-corasick automaton; anchors shorter
    /// than 4 bytes use a separate `memmem` scan so they do not slow the automaton down.
    #[default]
    Keywords,
    /// Every `@` with a word character on both sides (email addresses).
    AtSign,
    /// Runs of digits (with single separators) of a given shape.
    Digits(DigitShape),
}

/// The derived form of [`Prefilter`], read from a tagged YAML value.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum PrefilterRepr {
    Keywords,
    AtSign,
    Digits(DigitShape),
}

impl TryFrom<serde_yaml::Value> for Prefilter {
    type Error = serde_yaml::Error;
    fn try_from(v: serde_yaml::Value) -> Result<Self, Self::Error> {
        Ok(
            match serde_yaml::from_value::<PrefilterRepr>(one_key_map_as_tag(v))? {
                PrefilterRepr::Keywords => Prefilter::Keywords,
                PrefilterRepr::AtSign => Prefilter::AtSign,
                PrefilterRepr::Digits(s) => Prefilter::Digits(s),
            },
        )
    }
}

/// Shapes of digit runs that keyword-less detectors look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigitShape {
    /// 13 to 19 digits (payment cards).
    Card,
    /// 9 digits in groups 3-2-4 (US SSN).
    Ssn,
    /// 10 to 15 digits, first group at most 3 digits or after `+` / `(` (phone numbers).
    Phone,
    /// Digits right after two upper-case letters (IBAN country code + check digits).
    Iban,
    /// 8 to 10 plain digits followed by `:AA` (Telegram bot tokens).
    Telegram,
    /// Any run of at least 9 digits (for user detectors).
    Any,
}

/// Positive and negative examples carried by each detector.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(default)]
    pub positive: Vec<String>,
    #[serde(default)]
    pub negative: Vec<String>,
}

fn default_max_len() -> usize {
    256
}

fn default_true() -> bool {
    true
}

/// One detector as written in YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorSpec {
    /// Stable id, used in `[REDACTED:<id>]`.
    pub id: String,
    /// What it catches.
    pub description: String,
    /// Why it matters (shown in docs).
    #[serde(default)]
    pub why: String,
    /// Literal anchors; at least one must occur in a match.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Keywords also match in lower, UPPER and Capitalized forms.
    #[serde(default)]
    pub case_insensitive: bool,
    #[serde(default)]
    pub prefilter: Prefilter,
    /// The confirming regex (`regex` crate syntax). A group named `secret` marks the part to
    /// redact; without it the whole match is redacted.
    pub regex: String,
    /// Longest match expected, in bytes: the window searched around each candidate.
    #[serde(default = "default_max_len")]
    pub max_len: usize,
    /// How many bytes before a keyword (or digit run) a match may start (default: `max_len`).
    /// Detectors whose match begins at the keyword set this small, which keeps confirmation
    /// windows short.
    #[serde(default)]
    pub before: Option<usize>,
    #[serde(default)]
    pub validators: Vec<Validator>,
    /// Tie-breaker between overlapping findings of equal length (higher wins).
    #[serde(default)]
    pub priority: i32,
    /// Enabled unless switched off (`--disable ID`, or `enabled: false` here).
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default)]
    pub examples: Examples,
    /// How the corpus generator plants an instance (see [`super::generate`]).
    #[serde(default)]
    pub generate: Option<GenerateSpec>,
}

/// Generator templates of one detector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    /// Template of the secret (the part that must disappear), e.g. `AKIA{upper32:16}`.
    pub secret: String,
    /// Template of its surroundings, with `{secret}` where the secret goes.
    #[serde(default = "default_context")]
    pub context: String,
}

fn default_context() -> String {
    "{secret}".to_string()
}

impl DetectorFile {
    /// Parses a detector file; `origin` names it in errors.
    pub fn parse(yaml: &str, origin: &str) -> anyhow::Result<Self> {
        let file: DetectorFile = serde_yaml::from_str(yaml)
            .with_context(|| format!("{origin}: invalid detector file"))?;
        for d in &file.detectors {
            d.check()
                .with_context(|| format!("{origin}: detector `{}`", d.id))?;
        }
        Ok(file)
    }
}

impl DetectorSpec {
    fn check(&self) -> anyhow::Result<()> {
        if self.id.is_empty()
            || !self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            bail!("id must be non-empty kebab-case ([a-z0-9-])");
        }
        if self.prefilter == Prefilter::Keywords && self.keywords.is_empty() {
            bail!("needs keywords (or a `prefilter: at_sign` / `prefilter: {{digits: ...}}`)");
        }
        if self.keywords.iter().any(|k| k.is_empty()) {
            bail!("empty keyword");
        }
        if self.max_len == 0 || self.max_len > 64 * 1024 {
            bail!("max_len must be in 1..=65536");
        }
        Ok(())
    }

    /// Compiles the regex and validators.
    pub fn compile(&self) -> anyhow::Result<CompiledDetector> {
        // The same configuration as `regex::bytes::RegexBuilder` with `unicode(false)`, built
        // directly on `regex-automata` so that the engine can run anchored searches.
        let regex = Regex::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(
                Regex::config()
                    .utf8_empty(false)
                    .nfa_size_limit(Some(16 << 20))
                    .onepass_size_limit(Some(16 << 20)),
            )
            .build(&self.regex)
            .with_context(|| format!("detector `{}`: invalid regex", self.id))?;
        let secret_group = regex.group_info().to_index(PatternID::ZERO, "secret");
        let mut keywords = Vec::new();
        for k in &self.keywords {
            keywords.push(k.clone());
            if self.case_insensitive {
                let lower = k.to_ascii_lowercase();
                let upper = k.to_ascii_uppercase();
                let mut cap = lower.clone();
                if let Some(first) = cap.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                keywords.extend([lower, upper, cap]);
            }
        }
        keywords.sort();
        keywords.dedup();
        Ok(CompiledDetector {
            id: self.id.clone(),
            dfa: LazyDfa::new(&self.regex),
            regex,
            secret_group,
            max_len: self.max_len,
            before: self.before.unwrap_or(self.max_len).min(self.max_len),
            validators: self.validators.clone(),
            priority: self.priority,
            keywords,
            prefilter: self.prefilter,
        })
    }
}

/// A detector ready to run.
#[derive(Debug, Clone)]
pub struct CompiledDetector {
    pub id: String,
    pub regex: Regex,
    /// The same pattern as an anchored dense DFA, unless it would be too large (used for
    /// confirmation; see [`super::anchored`]). Built on the first keyword hit, once, and then
    /// shared by every worker: a one-shot run whose output hits no keyword never pays for it.
    pub dfa: LazyDfa,
    pub secret_group: Option<usize>,
    pub max_len: usize,
    pub before: usize,
    pub validators: Vec<Validator>,
    pub priority: i32,
    /// Keywords with their case variants expanded.
    pub keywords: Vec<String>,
    pub prefilter: Prefilter,
}

/// A detector's anchored DFA, built on first use (see [`CompiledDetector::dfa`]).
#[derive(Debug, Clone)]
pub struct LazyDfa {
    pattern: std::sync::Arc<str>,
    dfa: std::sync::Arc<std::sync::OnceLock<Option<super::anchored::AnchoredDfa>>>,
}

impl LazyDfa {
    fn new(pattern: &str) -> Self {
        LazyDfa {
            pattern: pattern.into(),
            dfa: Default::default(),
        }
    }

    /// The DFA, building it now if this is the first use (`None`: the pattern's DFA would be
    /// too large and the regex confirms instead).
    pub fn get(&self) -> Option<&super::anchored::AnchoredDfa> {
        self.dfa
            .get_or_init(|| super::anchored::AnchoredDfa::new(&self.pattern))
            .as_ref()
    }
}
