//! Synthetic corpus generator: realistic LLM-response text (prose, fenced code, JSON, logs) with
//! secrets of every detector planted in it, plus decoys that must survive (UUIDs, git SHAs,
//! sha256 digests, base64 image data, Luhn-invalid card-like numbers, invalid SSNs, kebab-case
//! identifiers containing `sk-`). Deterministic for a seed; used by the recall test and the
//! benchmark (`cargo run --release --example gen_secrets`).
//!
//! Each detector says how to make an instance in its `generate:` entry: a `secret` template and
//! a `context` around it. Templates use `{class:N}` (N random characters of `b62`, `hex`, `HEX`,
//! `upper`, `lower`, `digit`, `b64`, `b64url`, `alpha`, `upper32`, `alnum_upper`, `bech32`) and
//! specials with valid checksums: `{github}` (30 random + CRC32), `{card}` (Luhn, real issuer
//! ranges), `{iban}` (mod-97), `{ssn}` (valid ranges), `{jwt}`, `{pem}`, `{phone}`, `{email}`.
//!
//! ```
//! use pywarden::redact::generate::{Generator, Kind};
//! let mut g = Generator::builtin(42).unwrap();
//! let c = g.corpus(Kind::Text, 20_000);
//! assert!(c.text.len() >= 20_000);
//! assert!(!c.planted.is_empty());
//! ```

use anyhow::{Context, bail};
use base64::Engine as _;

use super::detector::{DetectorFile, DetectorSpec};
use super::validate::{github_checksum, iban_length, iban_mod97};

/// Small deterministic PRNG (SplitMix64): same seed, same corpus, on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn chars(&mut self, alphabet: &[u8], n: usize, out: &mut String) {
        for _ in 0..n {
            out.push(alphabet[self.below(alphabet.len())] as char);
        }
    }
}

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn alphabet(class: &str) -> Option<&'static [u8]> {
    Some(match class {
        "b62" => B62,
        "hex" => b"0123456789abcdef",
        "HEX" => b"0123456789ABCDEF",
        "upper" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "lower" => b"abcdefghijklmnopqrstuvwxyz",
        "digit" => b"0123456789",
        "b64" => B64,
        "b64url" => B64URL,
        "alpha" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "upper32" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        "alnum_upper" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "bech32" => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
        _ => return None,
    })
}

/// Expands a `generate:` template.
pub fn expand(template: &str, rng: &mut Rng) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .with_context(|| format!("unclosed `{{` in template {template:?}"))?
            + open;
        let inner = &rest[open + 1..close];
        let is_template = !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
        if !is_template {
            // Literal braces (e.g. JSON in a context template).
            out.push('{');
            rest = &rest[open + 1..];
            continue;
        }
        match inner.split_once(':') {
            Some((class, n)) => {
                let a = alphabet(class)
                    .with_context(|| format!("unknown class `{class}` in {template:?}"))?;
                let n: usize = n
                    .parse()
                    .with_context(|| format!("bad length in {template:?}"))?;
                rng.chars(a, n, &mut out);
            }
            None => out.push_str(&special(inner, rng).with_context(|| format!("in {template:?}"))?),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn special(name: &str, rng: &mut Rng) -> anyhow::Result<String> {
    Ok(match name {
        "github" => {
            let mut r = String::new();
            rng.chars(B62, 30, &mut r);
            let sum = github_checksum(r.as_bytes());
            r + &sum
        }
        "card" => card(rng),
        "iban" => iban(rng),
        "ssn" => {
            let mut area = 1 + rng.below(899);
            if area == 666 {
                area = 667;
            }
            format!(
                "{area:03}-{:02}-{:04}",
                1 + rng.below(99),
                1 + rng.below(9999)
            )
        }
        "jwt" => {
            let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let alg = rng.pick(&["HS256", "RS256", "ES256"]);
            let header = b.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            let payload = b.encode(format!(
                r#"{{"sub":"{}","iat":{},"scope":"read write"}}"#,
                rng.next_u64() % 1_000_000,
                1_700_000_000 + rng.below(50_000_000)
            ));
            let mut sig = String::new();
            rng.chars(B64URL, 43, &mut sig);
            format!("{header}.{payload}.{sig}")
        }
        "pem" => {
            let kind = rng.pick(&["RSA ", "", "EC ", "OPENSSH "]);
            let mut s = format!("-----BEGIN {kind}PRIVATE KEY-----\n");
            for _ in 0..(4 + rng.below(8)) {
                rng.chars(B64, 64, &mut s);
                s.push('\n');
            }
            s.push_str(&format!("-----END {kind}PRIVATE KEY-----"));
            s
        }
        "phone" => {
            let mut d = |n: usize, first_nonzero: bool| {
                let mut s = String::new();
                for i in 0..n {
                    let v = if i == 0 && first_nonzero {
                        2 + rng.below(8)
                    } else {
                        rng.below(10)
                    };
                    s.push((b'0' + v as u8) as char);
                }
                s
            };
            let (a, b, c) = (d(3, true), d(3, true), d(4, false));
            let (e, f) = (d(4, false), d(4, false));
            match rng.below(5) {
                0 => format!("({a}) {b}-{c}"),
                1 => format!("{a}-{b}-{c}"),
                2 => format!("+1 {a} {b} {c}"),
                3 => format!("{a}.{b}.{c}"),
                _ => format!("+44 20 {e} {f}"),
            }
        }
        "email" => {
            let first = rng.pick(&["jane", "john", "ops", "alex", "maria", "li.wei", "sam"]);
            let dom = rng.pick(&["acme-corp.io", "example.org", "mail.contoso.com", "uni.edu"]);
            format!("{first}.{}@{dom}", rng.below(1000))
        }
        other => bail!("unknown generator special `{{{other}}}`"),
    })
}

fn luhn_complete(body: &str) -> String {
    for c in b'0'..=b'9' {
        let candidate = format!("{body}{}", c as char);
        if super::validate::luhn(candidate.as_bytes()) {
            return candidate;
        }
    }
    unreachable!("one check digit always completes a Luhn number")
}

fn card(rng: &mut Rng) -> String {
    let (prefix, len) = *rng.pick(&[
        ("4", 16),
        ("51", 16),
        ("55", 16),
        ("2221", 16),
        ("37", 15),
        ("6011", 16),
        ("3530", 16),
    ]);
    let mut body = prefix.to_string();
    while body.len() < len - 1 {
        body.push((b'0' + rng.below(10) as u8) as char);
    }
    let n = luhn_complete(&body);
    let sep = *rng.pick(&["", " ", "-"]);
    if sep.is_empty() {
        n
    } else if len == 15 {
        format!("{}{sep}{}{sep}{}", &n[..4], &n[4..10], &n[10..])
    } else {
        n.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ascii"))
            .collect::<Vec<_>>()
            .join(sep)
    }
}

fn iban(rng: &mut Rng) -> String {
    let country = *rng.pick(&["DE", "GB", "FR", "NL", "ES", "IT", "CH"]);
    let len = iban_length(country.as_bytes()).expect("known");
    let mut bban = String::new();
    match country {
        "GB" | "NL" => {
            rng.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4, &mut bban);
            rng.chars(b"0123456789", len - 8, &mut bban);
        }
        "IT" => {
            rng.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1, &mut bban);
            rng.chars(b"0123456789", len - 5, &mut bban);
        }
        _ => rng.chars(b"0123456789", len - 4, &mut bban),
    }
    let probe = format!("{country}00{bban}");
    let check = 98 - iban_mod97(probe.as_bytes());
    let compact = format!("{country}{check:02}{bban}");
    if rng.chance(50) {
        compact
    } else {
        compact
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ascii"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A secret planted in the corpus: which detector must find it and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    pub rule: String,
    /// Byte span of the secret in [`Corpus::text`] (text corpora) or in the record's field
    /// (JSONL corpora, see `record`).
    pub start: usize,
    pub end: usize,
    /// JSONL: 0-based record (line) index.
    pub record: usize,
    /// The secret as it appears (escaped like its surroundings).
    pub secret: String,
}

/// A decoy that must stay untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoy {
    pub kind: &'static str,
    pub start: usize,
    pub end: usize,
    pub record: usize,
    pub value: String,
}

/// A generated corpus.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub text: String,
    pub planted: Vec<Planted>,
    pub decoys: Vec<Decoy>,
}

/// Text or JSON lines (`{"id", "model", "choices":[{"message":{"content"}}], "usage"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Jsonl,
}

/// The JSON pointer of the content field in JSONL corpora.
pub const JSONL_FIELD: &str = "/choices/0/message/content";

const WORDS: &[&str] = &[
    "the",
    "function",
    "returns",
    "a",
    "list",
    "of",
    "values",
    "when",
    "called",
    "with",
    "data",
    "you",
    "can",
    "use",
    "this",
    "approach",
    "to",
    "handle",
    "errors",
    "in",
    "production",
    "and",
    "make",
    "sure",
    "that",
    "configuration",
    "is",
    "loaded",
    "from",
    "environment",
    "before",
    "request",
    "server",
    "client",
    "database",
    "query",
    "performance",
    "cache",
    "layer",
    "should",
    "be",
    "tested",
    "carefully",
    "here",
    "example",
    "shows",
    "how",
    "we",
    "parse",
    "input",
    "output",
    "file",
    "stream",
    "each",
    "record",
    "model",
    "response",
    "token",
    "limit",
    "retry",
    "timeout",
    "after",
    "seconds",
    "note",
    "also",
    "deployment",
    "pipeline",
    "step",
    "build",
    "python",
    "script",
    "module",
    "import",
    "class",
    "method",
    "variable",
    "string",
    "number",
    "simple",
    "better",
    "because",
    "however",
    "instead",
    "first",
    "then",
    "finally",
    "result",
];

const DECOY_KINDS: &[&str] = &[
    "uuid",
    "git-sha",
    "sha256",
    "base64-image",
    "luhn-invalid",
    "invalid-ssn",
    "kebab-sk",
];

/// Plants secrets from detector templates into generated text.
#[derive(Debug, Clone)]
pub struct Generator {
    rng: Rng,
    specs: Vec<(String, String, String)>, // (id, secret template, context template)
    next: usize,
    /// One segment in `secret_every` carries a secret (default 6).
    pub secret_every: usize,
    /// One segment in `decoy_every` carries a decoy (default 6).
    pub decoy_every: usize,
}

impl Generator {
    /// A generator over the built-in detectors.
    pub fn builtin(seed: u64) -> anyhow::Result<Self> {
        let file = DetectorFile::parse(super::BUILTIN_YAML, "policies/redaction.yaml")?;
        Self::new(&file.detectors, seed)
    }

    /// A generator over `specs` (every spec needs a `generate:` entry).
    pub fn new(specs: &[DetectorSpec], seed: u64) -> anyhow::Result<Self> {
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        for s in specs {
            let g = s
                .generate
                .as_ref()
                .with_context(|| format!("detector `{}` has no `generate:` entry", s.id))?;
            // Validate the templates once.
            expand(&g.secret, &mut rng)?;
            anyhow::ensure!(
                g.context.contains("{secret}"),
                "detector `{}`: context lacks {{secret}}",
                s.id
            );
            out.push((s.id.clone(), g.secret.clone(), g.context.clone()));
        }
        anyhow::ensure!(!out.is_empty(), "no detectors to plant");
        Ok(Generator {
            rng,
            specs: out,
            next: 0,
            secret_every: 6,
            decoy_every: 6,
        })
    }

    fn sentence(&mut self, out: &mut String) {
        let n = 8 + self.rng.below(14);
        for i in 0..n {
            let w = *self.rng.pick(WORDS);
            if i == 0 {
                let mut c = w.chars();
                if let Some(f) = c.next() {
                    out.push(f.to_ascii_uppercase());
                    out.push_str(c.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(w);
            }
        }
        out.push_str(if self.rng.chance(80) { ". " } else { ", " });
    }

    fn decoy(&mut self) -> (&'static str, String) {
        let kind = *self.rng.pick(DECOY_KINDS);
        let r = &mut self.rng;
        let mut s = String::new();
        match kind {
            "uuid" => {
                for (i, n) in [8, 4, 4, 4, 12].iter().enumerate() {
                    if i > 0 {
                        s.push('-');
                    }
                    r.chars(b"0123456789abcdef", *n, &mut s);
                }
            }
            "git-sha" => r.chars(b"0123456789abcdef", 40, &mut s),
            "sha256" => {
                s.push_str("sha256:");
                r.chars(b"0123456789abcdef", 64, &mut s);
            }
            "base64-image" => {
                s.push_str("data:image/png;base64,iVBORw0KGgo");
                let n = 200 + r.below(400);
                r.chars(B64, n, &mut s);
                s.push_str("==");
            }
            "luhn-invalid" => {
                let c = card(r);
                // Change the last digit: the Luhn check then fails.
                let last = c.as_bytes()[c.len() - 1] - b'0';
                s = format!("{}{}", &c[..c.len() - 1], (last + 1) % 10);
            }
            "invalid-ssn" => {
                let area = *r.pick(&["000", "666", "900", "951", "999"]);
                s = format!("{area}-{:02}-{:04}", 1 + r.below(99), 1 + r.below(9999));
            }
            _ => {
                let parts = ["risk", "task", "disk", "desk", "mask", "kiosk"];
                s = format!(
                    "{}-sk-{}-{}-{}-handler",
                    r.pick(&parts),
                    r.pick(WORDS),
                    r.pick(&["service", "worker", "queue", "config"]),
                    r.pick(&["deployment", "manager", "controller", "adapter"])
                );
            }
        }
        (kind, s)
    }

    /// Writes one segment (prose, code, JSON or log) into `out`, maybe with a secret and/or a
    /// decoy; records their spans relative to `base` + position in `out`.
    fn segment(&mut self, out: &mut String, record: usize, corpus: &mut Corpus, base: usize) {
        let plant = self.rng.below(self.secret_every.max(1)) == 0;
        let decoy = self.rng.below(self.decoy_every.max(1)) == 0;
        let carrier = self.rng.below(4);
        let secret = if plant {
            let (id, st, ct) = self.specs[self.next % self.specs.len()].clone();
            self.next += 1;
            let secret = expand(&st, &mut self.rng).expect("validated template");
            let ctx = expand(&ct.replace("{secret}", "\u{0}"), &mut self.rng)
                .expect("validated template");
            Some((id, secret, ctx))
        } else {
            None
        };
        let decoy = decoy.then(|| self.decoy());
        // Emits `snippet` (context with the secret at NUL), escaping for JSON when asked.
        let emit = |out: &mut String,
                    corpus: &mut Corpus,
                    id: &str,
                    secret: &str,
                    ctx: &str,
                    json: bool| {
            let (pre, post) = ctx.split_once('\u{0}').expect("marker");
            let esc = |s: &str| -> String {
                if json {
                    let q = serde_json::to_string(s).expect("string");
                    q[1..q.len() - 1].to_string()
                } else {
                    s.to_string()
                }
            };
            out.push_str(&esc(pre));
            let start = base + out.len();
            let sec = esc(secret);
            out.push_str(&sec);
            corpus.planted.push(Planted {
                rule: id.to_string(),
                start,
                end: start + sec.len(),
                record,
                secret: sec,
            });
            out.push_str(&esc(post));
        };
        let put_decoy = |out: &mut String, corpus: &mut Corpus, d: &(&'static str, String)| {
            let start = base + out.len();
            out.push_str(&d.1);
            corpus.decoys.push(Decoy {
                kind: d.0,
                start,
                end: start + d.1.len(),
                record,
                value: d.1.clone(),
            });
        };
        match carrier {
            0 => {
                // Prose.
                self.sentence(out);
                if let Some((id, s, c)) = &secret {
                    out.push_str("Use this: ");
                    emit(out, corpus, id, s, c, false);
                    out.push_str(" and keep it safe. ");
                }
                if let Some(d) = &decoy {
                    out.push_str("Reference ");
                    put_decoy(out, corpus, d);
                    out.push_str(" in the notes. ");
                }
                self.sentence(out);
                out.push_str("\n\n");
            }
            1 => {
                // Fenced code.
                out.push_str("```python\nimport os\n\ndef handler(event):\n    ");
                if let Some((id, s, c)) = &secret {
                    out.push_str("# config\n    ");
                    emit(out, corpus, id, s, c, false);
                    out.push_str("\n    ");
                }
                if let Some(d) = &decoy {
                    out.push_str("ref = \"");
                    put_decoy(out, corpus, d);
                    out.push_str("\"\n    ");
                }
                out.push_str("return {\"status\": 200, \"items\": len(event)}\n```\n\n");
            }
            2 => {
                // JSON.
                out.push_str("```json\n{\"service\": \"billing\", \"replicas\": 3, ");
                if let Some((id, s, c)) = &secret {
                    out.push_str("\"config\": \"");
                    emit(out, corpus, id, s, c, true);
                    out.push_str("\", ");
                }
                if let Some(d) = &decoy {
                    out.push_str("\"ref\": \"");
                    put_decoy(out, corpus, d);
                    out.push_str("\", ");
                }
                out.push_str("\"enabled\": true}\n```\n\n");
            }
            _ => {
                // Log lines.
                let ts = 1 + self.rng.below(28);
                out.push_str(&format!(
                    "2024-05-{ts:02}T12:{:02}:{:02}.{:03}Z INFO [worker-{}] request done in {}ms status=200\n",
                    self.rng.below(60),
                    self.rng.below(60),
                    self.rng.below(1000),
                    self.rng.below(8),
                    self.rng.below(900)
                ));
                if let Some((id, s, c)) = &secret {
                    out.push_str(&format!("2024-05-{ts:02}T12:00:01.000Z DEBUG loaded "));
                    emit(out, corpus, id, s, c, false);
                    out.push('\n');
                }
                if let Some(d) = &decoy {
                    out.push_str(&format!("2024-05-{ts:02}T12:00:02.000Z INFO ref="));
                    put_decoy(out, corpus, d);
                    out.push('\n');
                }
                out.push_str(&format!(
                    "2024-05-{ts:02}T12:00:03.500Z WARN retry 1/3 after timeout of 30s\n\n"
                ));
            }
        }
    }

    /// Generates at least `bytes` of text or JSONL.
    pub fn corpus(&mut self, kind: Kind, bytes: usize) -> Corpus {
        let mut corpus = Corpus::default();
        let mut out = String::with_capacity(bytes + 4096);
        match kind {
            Kind::Text => {
                while out.len() < bytes {
                    let mut seg = String::new();
                    let base = out.len();
                    self.segment(&mut seg, 0, &mut corpus, base);
                    out.push_str(&seg);
                }
            }
            Kind::Jsonl => {
                let mut record = 0;
                while out.len() < bytes {
                    let mut content = String::new();
                    for _ in 0..(2 + self.rng.below(6)) {
                        let base = content.len();
                        let mut seg = String::new();
                        self.segment(&mut seg, record, &mut corpus, base);
                        content.push_str(&seg);
                    }
                    let line = serde_json::json!({
                        "id": format!("chatcmpl-{record}"),
                        "object": "chat.completion",
                        "created": 1_700_000_000u64 + record as u64,
                        "model": "gpt-4o-mini",
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                     "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 120, "completion_tokens": content.len() / 4},
                    });
                    out.push_str(&line.to_string());
                    out.push('\n');
                    record += 1;
                }
            }
        }
        corpus.text = out;
        corpus
    }

    /// The detector ids this generator plants (every one at least once per `len()` secrets).
    pub fn rules(&self) -> Vec<&str> {
        self.specs.iter().map(|(id, _, _)| id.as_str()).collect()
    }
}
