//! `pywarden redact`: redacts secrets and personal data from files, directories or stdin, as
//! text or JSON lines, streaming in bounded memory. A thin shell over [`pywarden::redact`].
//! Exit 0 when nothing was found, 1 when something was redacted, 2 on errors (and when
//! `--on-malformed reject` left records out).

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use pywarden::redact::batch::{self, BatchFinding, Events, MalformedLine, Mode, OnMalformed};
use pywarden::redact::jsonl::Pointer;
use pywarden::redact::{Options, Redactor, Style};

use super::{EXIT_ERROR, EXIT_FOUND, EXIT_OK};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StyleArg {
    /// `[REDACTED:<rule-id>]`
    Tag,
    /// Public prefix kept: `ghp_…[REDACTED:github-pat-classic]`
    Partial,
    /// `[REDACTED:<rule-id>:<hmac>]`, stable for a key (`--hash-key`)
    Hash,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MalformedArg {
    /// Copy malformed lines unchanged (reported on stderr and in the report).
    Pass,
    /// Leave malformed lines out (reported; exit code 2).
    Reject,
}

/// Output buffer size: smaller than a batch chunk (see `batch::Options::chunk_size`).
const SINK_BUFFER: usize = 256 << 10;

/// Files at least this large are mapped rather than read.
const MAP_AT_LEAST: u64 = 4 << 20;

/// Arguments of `pywarden redact`.
#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (recursive, honouring .gitignore); `-` or nothing for stdin.
    paths: Vec<PathBuf>,
    /// Input is JSON lines: redact the string at `--field` in each record.
    #[arg(long)]
    jsonl: bool,
    /// JSON pointer of the field to redact in each record.
    #[arg(long, default_value = "/text", value_name = "POINTER")]
    field: String,
    /// Write findings (JSON, never the secrets) and a summary by detector to FILE.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Write the redacted output to OUT instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,
    /// Extra detector file (same YAML format as policies/redaction.yaml); repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Allowlist file (`allowlist: {values, regexes, paths}`); repeatable.
    #[arg(long = "allowlist", value_name = "FILE")]
    allowlist: Vec<PathBuf>,
    /// Replacement style.
    #[arg(long, value_enum, default_value = "tag")]
    style: StyleArg,
    /// Key of `--style hash`.
    #[arg(
        long,
        env = "PYWARDEN_HASH_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    hash_key: Option<String>,
    /// What to do with JSONL lines that are not valid JSON.
    #[arg(long, value_enum, default_value = "pass")]
    on_malformed: MalformedArg,
    /// Switch a detector off (e.g. email-address, phone-number); repeatable.
    #[arg(long = "disable", value_name = "RULE")]
    disable: Vec<String>,
    /// No progress bar (it is only shown on a terminal anyway).
    #[arg(long)]
    no_progress: bool,
    /// List the loaded detectors and exit.
    #[arg(long)]
    list_rules: bool,
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let style = match args.style {
        StyleArg::Tag => Style::Tag,
        StyleArg::Partial => Style::Partial,
        StyleArg::Hash => {
            let key = args
                .hash_key
                .clone()
                .filter(|k| !k.is_empty())
                .context("--style hash needs --hash-key KEY or PYWARDEN_HASH_KEY")?;
            Style::Hash {
                key: key.into_bytes(),
            }
        }
    };
    let redactor = Redactor::with_options(&Options {
        rule_files: args.rules.clone(),
        allowlist_files: args.allowlist.clone(),
        disabled: args.disable.clone(),
        style,
        no_builtin: false,
    })?;
    if args.list_rules {
        let mut out = io::stdout().lock();
        for d in redactor.detectors() {
            writeln!(out, "{:32} {}", d.id, d.description)?;
        }
        return Ok(EXIT_OK);
    }
    let mode = if args.jsonl {
        Mode::Jsonl {
            pointer: Pointer::parse(&args.field)?,
            on_malformed: match args.on_malformed {
                MalformedArg::Pass => OnMalformed::Pass,
                MalformedArg::Reject => OnMalformed::Reject,
            },
        }
    } else {
        Mode::Text
    };
    let inputs = collect_inputs(&args.paths)?;
    if let Some(out) = &args.output {
        for i in &inputs {
            if let Input::File(p) = i
                && same_file(p, out)
            {
                bail!("output {} is also an input", out.display());
            }
        }
    }

    let total: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Stdin => None,
        })
        .sum();
    let bar = (!args.no_progress && io::stderr().is_terminal() && total > 16 << 20).then(|| {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });

    let mut reporter = Reporter::new(args.report.as_deref(), bar)?;
    let opts = batch::Options {
        mode,
        findings: args.report.is_some(),
        ..batch::Options::default()
    };
    // Chunks (about 1 MiB) are larger than the buffer, so they go straight to the output
    // instead of being copied into the buffer first.
    let mut sink: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::with_capacity(
            SINK_BUFFER,
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(SINK_BUFFER, io::stdout().lock())),
    };
    let mut by_rule = vec![0u64; redactor.detectors().len()];
    for input in &inputs {
        let name = input.name();
        reporter.path = name.clone();
        let totals = match input {
            Input::Stdin => batch::run(
                &redactor,
                &opts,
                io::stdin().lock(),
                &mut sink,
                &mut reporter,
            ),
            Input::File(p) if redactor.path_allowed(p) => {
                let mut f = File::open(p).with_context(|| format!("cannot open {name}"))?;
                io::copy(&mut f, &mut sink).with_context(|| format!("cannot copy {name}"))?;
                continue;
            }
            Input::File(p) => {
                let f = File::open(p).with_context(|| format!("cannot open {name}"))?;
                // Large files are redacted from a mapping (no copy into buffers), others read.
                let mapped = f
                    .metadata()
                    .is_ok_and(|m| m.len() >= MAP_AT_LEAST)
                    .then(|| batch::MappedFile::new(&f))
                    .flatten();
                match &mapped {
                    Some(m) => batch::run_mapped(&redactor, &opts, m, &mut sink, &mut reporter),
                    None => batch::run(&redactor, &opts, f, &mut sink, &mut reporter),
                }
            }
        }
        .with_context(|| format!("while redacting {name}"))?;
        reporter.files += 1;
        reporter.bytes += totals.bytes;
        reporter.records += totals.records;
        reporter.findings += totals.findings;
        for (acc, n) in by_rule.iter_mut().zip(&totals.per_detector) {
            *acc += n;
        }
    }
    sink.flush().context("cannot write output")?;
    drop(sink);
    let by_rule: Vec<(String, u64)> = redactor
        .detectors()
        .iter()
        .zip(by_rule)
        .filter(|(_, n)| *n > 0)
        .map(|(d, n)| (d.id.clone(), n))
        .collect();
    let found = reporter.findings;
    let malformed = reporter.malformed_total;
    reporter.finish(&by_rule)?;
    if malformed > 0 {
        eprintln!(
            "pywarden: {malformed} malformed line(s) {}",
            if args.on_malformed == MalformedArg::Reject {
                "rejected (left out of the output)"
            } else {
                "passed through unchanged"
            }
        );
        if args.on_malformed == MalformedArg::Reject {
            return Ok(EXIT_ERROR);
        }
    }
    Ok(if found > 0 { EXIT_FOUND } else { EXIT_OK })
}

enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Stdin => "-".into(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

fn collect_inputs(paths: &[PathBuf]) -> anyhow::Result<Vec<Input>> {
    if paths.is_empty() {
        return Ok(vec![Input::Stdin]);
    }
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
        } else if p.is_dir() {
            let mut files = Vec::new();
            for entry in ignore::WalkBuilder::new(p).build() {
                let entry = entry.with_context(|| format!("cannot walk {}", p.display()))?;
                if entry.file_type().is_some_and(|t| t.is_file()) {
                    files.push(entry.into_path());
                }
            }
            files.sort();
            out.extend(files.into_iter().map(Input::File));
        } else if p.is_file() {
            out.push(Input::File(p.clone()));
        } else {
            bail!("cannot read {}: no such file or directory", p.display());
        }
    }
    Ok(out)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Malformed lines kept for the report (the count is always exact).
const MAX_MALFORMED_KEPT: usize = 10_000;
/// Malformed lines printed on stderr one by one.
const MAX_MALFORMED_PRINTED: u64 = 20;

/// Streams findings into the report file and malformed lines to stderr.
struct Reporter {
    out: Option<BufWriter<File>>,
    first: bool,
    path: String,
    malformed: Vec<(String, MalformedLine)>,
    malformed_total: u64,
    bar: Option<indicatif::ProgressBar>,
    files: u64,
    bytes: u64,
    records: u64,
    findings: u64,
    error: Option<io::Error>,
}

impl Reporter {
    fn new(report: Option<&Path>, bar: Option<indicatif::ProgressBar>) -> anyhow::Result<Self> {
        let out = match report {
            Some(p) => {
                let mut w = BufWriter::new(
                    File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
                );
                w.write_all(b"{\"version\":1,\"findings\":[")?;
                Some(w)
            }
            None => None,
        };
        Ok(Reporter {
            out,
            first: true,
            path: String::new(),
            malformed: Vec::new(),
            malformed_total: 0,
            bar,
            files: 0,
            bytes: 0,
            records: 0,
            findings: 0,
            error: None,
        })
    }

    fn finish(mut self, by_rule: &[(String, u64)]) -> anyhow::Result<()> {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        if let Some(e) = self.error.take() {
            return Err(e).context("cannot write report");
        }
        if let Some(mut w) = self.out.take() {
            let malformed: Vec<serde_json::Value> = self
                .malformed
                .iter()
                .map(|(p, m)| serde_json::json!({"path": p, "line": m.line, "error": m.error}))
                .collect();
            let summary = serde_json::json!({
                "files": self.files,
                "bytes": self.bytes,
                "records": self.records,
                "findings": self.findings,
                "malformed": self.malformed_total,
                "by_rule": by_rule.iter().map(|(r, n)| (r.clone(), serde_json::json!(n)))
                    .collect::<serde_json::Map<_, _>>(),
            });
            writeln!(
                w,
                "],\"malformed\":{},\"summary\":{}}}",
                serde_json::Value::Array(malformed),
                summary
            )?;
            w.flush().context("cannot write report")?;
        }
        Ok(())
    }
}

impl Events for Reporter {
    fn finding(&mut self, f: BatchFinding) {
        if let Some(w) = &mut self.out {
            let mut entry = serde_json::to_value(&f).expect("finding serialises");
            entry["path"] = serde_json::Value::String(self.path.clone());
            let sep: &[u8] = if self.first { b"\n" } else { b",\n" };
            self.first = false;
            if let Err(e) = w
                .write_all(sep)
                .and_then(|_| serde_json::to_writer(&mut *w, &entry).map_err(io::Error::other))
            {
                self.error.get_or_insert(e);
            }
        }
    }

    fn malformed(&mut self, m: MalformedLine) {
        self.malformed_total += 1;
        if self.malformed_total <= MAX_MALFORMED_PRINTED {
            eprintln!(
                "pywarden: {}:{}: malformed JSON: {}",
                self.path, m.line, m.error
            );
        }
        if self.malformed.len() < MAX_MALFORMED_KEPT {
            self.malformed.push((self.path.clone(), m));
        }
    }

    fn progress(&mut self, bytes: u64) {
        if let Some(b) = &self.bar {
            b.inc(bytes);
        }
    }
}
