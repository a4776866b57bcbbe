//! E2B data plane: `POST /execute` on the code-interpreter server and its NDJSON stream.
//!
//! The response is one JSON object per line (`stdout`, `stderr`, `result`, `error`,
//! `number_of_executions`, `keepalive`, `end_of_execution`, and whatever E2B adds later —
//! unknown types are ignored). [`Collector`] turns lines into output while enforcing the
//! output cap *as the stream is read*: past the cap it stops, and the caller drops the
//! connection and kills the sandbox. The execution deadline is the client's
//! ([`DataPlane::execute`] gives up at `deadline` and drops the connection; the request is sent
//! over HTTP/1.1 so the server sees the drop and interrupts the kernel).

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

use super::config::{CODE_INTERPRETER_PORT, E2bConfig};
use super::control::SandboxInfo;
use crate::sandbox::SandboxError;

/// One parsed stream line, reduced to what pywarden uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Stdout(String),
    Stderr(String),
    /// A user exception: `name`, `value`, `traceback`.
    Error {
        name: String,
        value: String,
        traceback: String,
    },
    End,
    /// `keepalive`, `result`, `number_of_executions`, unknown types, malformed lines.
    Ignored,
}

#[derive(Deserialize)]
struct RawLine {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    text: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    traceback: Option<serde_json::Value>,
}

/// Parses one NDJSON line. Tolerant: anything it does not understand is [`Line::Ignored`].
///
/// ```
/// use pywarden::sandbox::e2b::stream::{parse_line, Line};
///
/// assert_eq!(parse_line(br#"{"type":"stdout","text":"42\n","timestamp":1}"#),
///            Line::Stdout("42\n".into()));
/// assert_eq!(parse_line(br#"{"type":"brand_new_thing","x":1}"#), Line::Ignored);
/// assert_eq!(parse_line(b"not json"), Line::Ignored);
/// ```
pub fn parse_line(line: &[u8]) -> Line {
    let Ok(raw) = serde_json::from_slice::<RawLine>(line) else {
        return Line::Ignored;
    };
    let text = || match &raw.text {
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    match raw.kind.as_deref() {
        Some("stdout") => Line::Stdout(text()),
        Some("stderr") => Line::Stderr(text()),
        Some("error") => Line::Error {
            name: raw.name.clone().unwrap_or_else(|| "Error".to_string()),
            value: raw.value.clone().unwrap_or_default(),
            traceback: match &raw.traceback {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => String::new(),
            },
        },
        Some("end_of_execution") => Line::End,
        _ => Line::Ignored,
    }
}

/// Removes ANSI escape sequences (Jupyter tracebacks are colourised).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // CSI: parameters and intermediates, then one final byte in @..~
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            } else {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Why reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// `end_of_execution` seen.
    Ended,
    /// The output cap was reached.
    OutputLimit,
}

/// Accumulates stream lines into stdout / stderr under a byte cap.
#[derive(Debug, Default)]
pub struct Collector {
    pub stdout: String,
    pub stderr: String,
    /// `Name: value` of the `error` line, if any.
    pub error: Option<(String, String)>,
    pub truncated: bool,
    cap: usize,
    used: usize,
    pending: Vec<u8>,
}

impl Collector {
    /// A collector that keeps at most `cap` bytes of stdout + stderr.
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            ..Self::default()
        }
    }

    /// Feeds raw body bytes; returns `Some` when reading should stop.
    pub fn feed(&mut self, chunk: &[u8]) -> Option<Stop> {
        self.pending.extend_from_slice(chunk);
        let mut start = 0;
        let mut stop = None;
        while let Some(nl) = memchr::memchr(b'\n', &self.pending[start..]) {
            let line = &self.pending[start..start + nl];
            start += nl + 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let parsed = parse_line(line);
            if let Some(s) = self.apply(parsed) {
                stop = Some(s);
                break;
            }
        }
        self.pending.drain(..start);
        // A line that never ends cannot hold less than its text; JSON escaping can grow text
        // at most 6x, so a pending line this long is over the cap whatever it says.
        if stop.is_none() && self.pending.len() > self.cap.saturating_mul(6).saturating_add(65_536)
        {
            self.truncated = true;
            stop = Some(Stop::OutputLimit);
        }
        stop
    }

    fn apply(&mut self, line: Line) -> Option<Stop> {
        match line {
            Line::Stdout(t) => self.push(true, &t),
            Line::Stderr(t) => self.push(false, &t),
            Line::Error {
                name,
                value,
                traceback,
            } => {
                self.error = Some((name, value));
                let mut tb = strip_ansi(&traceback);
                if !tb.is_empty() && !tb.ends_with('\n') {
                    tb.push('\n');
                }
                self.push(false, &tb)
            }
            Line::End => Some(Stop::Ended),
            Line::Ignored => None,
        }
    }

    fn push(&mut self, stdout: bool, text: &str) -> Option<Stop> {
        let room = self.cap - self.used;
        let target = if stdout {
            &mut self.stdout
        } else {
            &mut self.stderr
        };
        if text.len() <= room {
            target.push_str(text);
            self.used += text.len();
            return None;
        }
        let mut cut = room;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        target.push_str(&text[..cut]);
        self.used += cut;
        self.truncated = true;
        Some(Stop::OutputLimit)
    }
}

/// What one `/execute` call ended with.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    Ended,
    OutputLimit,
    Timeout,
}

/// Client for the code-interpreter server. HTTP/1.1 only, no overall request timeout (the
/// caller's deadline governs).
#[derive(Clone)]
pub struct DataPlane {
    http: reqwest::Client,
    cfg_sandbox_url: Option<String>,
    domain: String,
}

impl fmt::Debug for DataPlane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataPlane")
            .field("sandbox_url", &self.cfg_sandbox_url)
            .finish_non_exhaustive()
    }
}

impl DataPlane {
    pub fn new(cfg: &E2bConfig) -> Result<Self, SandboxError> {
        let http = reqwest::Client::builder()
            .http1_only()
            .user_agent(concat!("pywarden/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(cfg.connect_timeout)
            .build()
            .map_err(|e| SandboxError::Config(format!("cannot build the E2B HTTP client: {e}")))?;
        Ok(Self {
            http,
            cfg_sandbox_url: cfg.sandbox_url.clone(),
            domain: cfg.domain.clone(),
        })
    }

    fn url(&self, sandbox: &SandboxInfo) -> String {
        let mut cfg = E2bConfig::new("-");
        cfg.sandbox_url.clone_from(&self.cfg_sandbox_url);
        cfg.domain.clone_from(&self.domain);
        format!(
            "{}/execute",
            cfg.data_plane_url(&sandbox.sandbox_id, sandbox.domain.as_deref())
        )
    }

    fn headers(sandbox: &SandboxInfo) -> Result<HeaderMap, SandboxError> {
        let bad = |what: &str| SandboxError::Remote(format!("E2B returned an unusable {what}"));
        let mut h = HeaderMap::new();
        h.insert(
            "E2b-Sandbox-Id",
            HeaderValue::from_str(&sandbox.sandbox_id).map_err(|_| bad("sandbox id"))?,
        );
        h.insert("E2b-Sandbox-Port", HeaderValue::from(CODE_INTERPRETER_PORT));
        if let Some(tok) = &sandbox.envd_access_token {
            let mut v = HeaderValue::from_str(tok).map_err(|_| bad("access token"))?;
            v.set_sensitive(true);
            h.insert("X-Access-Token", v);
        }
        if let Some(tok) = &sandbox.traffic_access_token {
            let mut v = HeaderValue::from_str(tok).map_err(|_| bad("traffic access token"))?;
            v.set_sensitive(true);
            h.insert("E2B-Traffic-Access-Token", v);
        }
        Ok(h)
    }

    /// Runs `code` (already carrying the context prelude) and reads the stream into
    /// `collector` until `end_of_execution`, the output cap or `deadline`. On every early
    /// stop the response is dropped, which closes the HTTP/1.1 connection.
    pub async fn execute(
        &self,
        sandbox: &SandboxInfo,
        code: &str,
        deadline: Instant,
        collector: &mut Collector,
    ) -> Result<Ending, SandboxError> {
        let request = self
            .http
            .post(self.url(sandbox))
            .headers(Self::headers(sandbox)?)
            .json(&json!({ "code": code, "context_id": null, "language": null, "env_vars": {} }));
        let run = async {
            let mut resp = request.send().await.map_err(|e| {
                SandboxError::Remote(format!(
                    "E2B execute in sandbox {}: {e}",
                    sandbox.sandbox_id
                ))
            })?;
            let status = resp.status();
            if status == StatusCode::BAD_GATEWAY {
                return Err(SandboxError::Remote(format!(
                    "sandbox gone: E2B answered 502 for sandbox {} (its lifetime expired or it \
                     was killed)",
                    sandbox.sandbox_id
                )));
            }
            if !status.is_success() {
                let body: String = resp
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                return Err(SandboxError::Remote(format!(
                    "E2B execute in sandbox {} failed ({status}): {}",
                    sandbox.sandbox_id,
                    body.trim()
                )));
            }
            loop {
                let chunk = resp.chunk().await.map_err(|e| {
                    SandboxError::Remote(format!(
                        "sandbox gone: the stream from sandbox {} broke: {e}",
                        sandbox.sandbox_id
                    ))
                })?;
                let Some(chunk) = chunk else {
                    return Err(SandboxError::Remote(format!(
                        "sandbox gone: the stream from sandbox {} ended before end_of_execution",
                        sandbox.sandbox_id
                    )));
                };
                match collector.feed(&chunk) {
                    Some(Stop::Ended) => return Ok(Ending::Ended),
                    Some(Stop::OutputLimit) => return Ok(Ending::OutputLimit),
                    None => {}
                }
            }
        };
        match tokio::time::timeout_at(deadline, run).await {
            Ok(r) => r,
            Err(_) => Ok(Ending::Timeout),
        }
    }
}

/// How long until `deadline` (zero if past).
pub fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_parsed_tolerantly() {
        assert_eq!(
            parse_line(br#"{"type":"stderr","text":"w\n","timestamp":"2024"}"#),
            Line::Stderr("w\n".into())
        );
        assert_eq!(
            parse_line(
                br#"{"type":"error","name":"ZeroDivisionError","value":"division by zero","traceback":"tb"}"#
            ),
            Line::Error {
                name: "ZeroDivisionError".into(),
                value: "division by zero".into(),
                traceback: "tb".into()
            }
        );
        assert_eq!(parse_line(br#"{"type":"keepalive"}"#), Line::Ignored);
        assert_eq!(
            parse_line(br#"{"type":"result","text":"42","is_main_result":true}"#),
            Line::Ignored
        );
        assert_eq!(parse_line(br#"{"type":"end_of_execution"}"#), Line::End);
        assert_eq!(parse_line(br#"[1,2]"#), Line::Ignored);
        assert_eq!(parse_line(br#"{"type":7}"#), Line::Ignored);
    }

    #[test]
    fn collector_handles_split_lines_and_stops_at_end() {
        let mut c = Collector::new(1000);
        assert_eq!(c.feed(br#"{"type":"stdout","te"#), None);
        assert_eq!(
            c.feed(b"xt\":\"a\\n\"}\n\n{\"type\":\"keepalive\"}\r\n"),
            None
        );
        assert_eq!(
            c.feed(b"{\"type\":\"end_of_execution\"}\n{\"type\":\"stdout\",\"text\":\"late\"}\n"),
            Some(Stop::Ended)
        );
        assert_eq!(c.stdout, "a\n");
        assert!(!c.truncated);
    }

    #[test]
    fn collector_caps_output_on_char_boundary() {
        let mut c = Collector::new(5);
        assert_eq!(
            c.feed("{\"type\":\"stdout\",\"text\":\"abc\"}\n".as_bytes()),
            None
        );
        assert_eq!(
            c.feed("{\"type\":\"stderr\",\"text\":\"éé\"}\n".as_bytes()),
            Some(Stop::OutputLimit)
        );
        assert_eq!(c.stdout, "abc");
        assert_eq!(c.stderr, "é");
        assert!(c.truncated);
        // A line that never ends is cut off too.
        let mut c = Collector::new(10);
        assert_eq!(c.feed(&vec![b'x'; 70_000]), Some(Stop::OutputLimit));
    }

    #[test]
    fn error_lines_become_message_and_plain_traceback() {
        let mut c = Collector::new(1000);
        c.feed(
            br#"{"type":"error","name":"ValueError","value":"bad","traceback":["\u001b[0;31mValueError\u001b[0m: bad"]}
"#,
        );
        assert_eq!(c.error, Some(("ValueError".into(), "bad".into())));
        assert_eq!(c.stderr, "ValueError: bad\n");
    }

    #[test]
    fn ansi_is_stripped() {
        assert_eq!(strip_ansi("\u{1b}[1;32mok\u{1b}[0m done"), "ok done");
        assert_eq!(strip_ansi("plain"), "plain");
    }
}
