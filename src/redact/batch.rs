//! Batch redaction of large inputs in bounded memory: text or JSON lines, streamed in chunks cut
//! at line boundaries, chunks redacted in parallel with `rayon`, output written in input order.
//!
//! Memory is bounded by `chunk_size × in_flight` (input and output of the chunks in flight),
//! whatever the input size. Input comes from a reader ([`run`]) or, for large files, from a
//! read-only mapping ([`run_mapped`]): chunks are then slices of the page cache, nothing is
//! copied in, and the pages of chunks already written are released. In JSONL mode each record's field (a JSON pointer) is located
//! without a DOM ([`super::jsonl`]), redacted and spliced back; every other byte of the record
//! is preserved. Malformed records are reported with their line number and either passed
//! through unchanged or rejected (left out), never silently dropped.

use std::io::{self, Read, Write};

use rayon::prelude::*;

use super::Redactor;
use super::jsonl::{self, Pointer, StrSpan};

/// What to do with a line that is not valid JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnMalformed {
    /// Copy it unchanged (and report it).
    #[default]
    Pass,
    /// Leave it out of the output (and report it).
    Reject,
}

/// How to read the input.
#[derive(Debug, Clone)]
pub enum Mode {
    Text,
    Jsonl {
        pointer: Pointer,
        on_malformed: OnMalformed,
    },
}

/// Batch settings.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// Bytes per chunk (cut at the last newline).
    pub chunk_size: usize,
    /// Chunks read and redacted together (in parallel).
    pub in_flight: usize,
    /// Compute findings with line/column (for reports); counts are always kept.
    pub findings: bool,
    /// Longest line/record accepted (bytes); longer ones are an error.
    pub max_line: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Text,
            chunk_size: 1 << 20,
            in_flight: 4 * rayon::current_num_threads().max(1),
            findings: false,
            max_line: 256 << 20,
        }
    }
}

/// One finding in a batch (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BatchFinding {
    pub rule: String,
    /// 1-based line of the input (text) or record line (JSONL).
    pub line: u64,
    /// Text: 1-based byte column. JSONL: 1-based byte offset inside the decoded field.
    pub column: u64,
    /// Text: byte offsets in the input. JSONL: byte offsets inside the decoded field.
    pub start: u64,
    pub end: u64,
    pub preview: String,
}

/// A record that is not valid JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MalformedLine {
    pub line: u64,
    pub error: String,
}

/// What happened while streaming one input.
pub trait Events {
    fn finding(&mut self, f: BatchFinding);
    fn malformed(&mut self, m: MalformedLine);
    /// `bytes` more input bytes were processed.
    fn progress(&mut self, bytes: u64);
}

/// Totals for one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub bytes: u64,
    pub lines: u64,
    /// JSONL records (non-empty lines).
    pub records: u64,
    pub findings: u64,
    pub malformed: u64,
    /// Findings per detector index.
    #[serde(skip)]
    pub per_detector: Vec<u64>,
}

struct ChunkOut {
    /// The redacted chunk is in the chunk's output buffer (otherwise the chunk is unchanged).
    changed: bool,
    newlines: u64,
    records: u64,
    /// (line within chunk, finding) with start/end relative to the chunk (text) or field.
    findings: Vec<(u64, BatchFinding)>,
    malformed: Vec<(u64, String)>,
    per_detector: Vec<(u16, u64)>,
}

/// Streams `input` through the redactor into `output`.
pub fn run(
    redactor: &Redactor,
    opts: &Options,
    input: impl Read,
    output: &mut impl Write,
    events: &mut dyn Events,
) -> io::Result<Totals> {
    let reader = ChunkReader {
        input,
        carry: Vec::new(),
        spare: Vec::new(),
        eof: false,
    };
    run_source(redactor, opts, reader, output, events)
}

/// Like [`run`] for input already in memory (e.g. a mapped file, see [`MappedFile`]): chunks
/// are slices of `data`, so nothing is copied on the way in.
pub fn run_slice(
    redactor: &Redactor,
    opts: &Options,
    data: &[u8],
    output: &mut impl Write,
    events: &mut dyn Events,
) -> io::Result<Totals> {
    let chunks = SliceChunks {
        data,
        pos: 0,
        mapped: false,
    };
    run_source(redactor, opts, chunks, output, events)
}

/// Like [`run_slice`] on a mapped file; the pages of chunks already written are released as it
/// goes, so resident memory stays bounded by the chunks in flight whatever the file's size.
pub fn run_mapped(
    redactor: &Redactor,
    opts: &Options,
    file: &MappedFile,
    output: &mut impl Write,
    events: &mut dyn Events,
) -> io::Result<Totals> {
    let chunks = SliceChunks {
        data: file.bytes(),
        pos: 0,
        mapped: true,
    };
    run_source(redactor, opts, chunks, output, events)
}

/// Where chunks come from: a reader (copied into reused buffers) or memory (sliced).
trait Source {
    type Chunk: AsRef<[u8]> + Sync;
    /// Up to `in_flight` chunks, each ending at a newline (except at the end); empty at the end
    /// of the input.
    fn batch(&mut self, opts: &Options) -> io::Result<Vec<Self::Chunk>>;
    /// Chunks written out, whose buffers may be reused.
    fn recycle(&mut self, done: Vec<Self::Chunk>);
}

fn run_source<S: Source>(
    redactor: &Redactor,
    opts: &Options,
    mut reader: S,
    output: &mut impl Write,
    events: &mut dyn Events,
) -> io::Result<Totals> {
    let mut totals = Totals {
        per_detector: vec![0; redactor.detectors().len()],
        ..Totals::default()
    };
    let mut emitter = Emitter {
        line_base: 0,
        byte_base: 0,
        last_was_newline: true,
    };
    // Two sets of output buffers: one for the batch being redacted, one for the batch being
    // written.
    let mut out_sets: Vec<Vec<Vec<u8>>> = vec![Vec::new(), Vec::new()];
    // The batch redacted last, not yet written.
    let mut pending: Option<Redacted<S::Chunk>> = None;
    let mut chunks = reader.batch(opts)?;
    while !chunks.is_empty() {
        let mut outs = out_sets.pop().unwrap_or_default();
        if outs.len() < chunks.len() {
            outs.resize_with(chunks.len(), Vec::new);
        }
        // Redact this batch on the pool while this thread writes the previous batch and reads
        // the next one.
        let (results, next) = std::thread::scope(|s| {
            let worker = s.spawn(|| {
                chunks
                    .par_iter()
                    .zip(outs.par_iter_mut())
                    .map(|(c, out)| process_chunk(redactor, opts, c.as_ref(), out))
                    .collect::<Vec<ChunkOut>>()
            });
            let next = (|| -> io::Result<Vec<S::Chunk>> {
                if let Some((done, done_outs, res)) = pending.take() {
                    emitter.emit(opts, &done, &done_outs, res, output, events, &mut totals)?;
                    reader.recycle(done);
                    out_sets.push(done_outs);
                }
                reader.batch(opts)
            })();
            let results = match worker.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            (results, next)
        });
        pending = Some((std::mem::take(&mut chunks), outs, results));
        chunks = next?;
    }
    if let Some((done, done_outs, res)) = pending.take() {
        emitter.emit(opts, &done, &done_outs, res, output, events, &mut totals)?;
    }
    totals.lines = emitter.line_base + u64::from(!emitter.last_was_newline);
    Ok(totals)
}

/// A redacted batch: its chunks, their output buffers and results.
type Redacted<C> = (Vec<C>, Vec<Vec<u8>>, Vec<ChunkOut>);

/// Reads the input in chunks that end at a newline (except at EOF).
struct ChunkReader<R> {
    input: R,
    /// Bytes read past the last chunk's end.
    carry: Vec<u8>,
    /// Buffers to reuse: fresh megabyte allocations would be fresh mappings, paid for in page
    /// faults on every batch.
    spare: Vec<Vec<u8>>,
    eof: bool,
}

impl<R: Read> Source for ChunkReader<R> {
    type Chunk = Vec<u8>;

    fn recycle(&mut self, done: Vec<Vec<u8>>) {
        self.spare.extend(done);
    }

    fn batch(&mut self, opts: &Options) -> io::Result<Vec<Vec<u8>>> {
        let mut chunks: Vec<Vec<u8>> = Vec::with_capacity(opts.in_flight);
        while chunks.len() < opts.in_flight && !self.eof {
            let mut buf = self.spare.pop().unwrap_or_default();
            buf.clear();
            buf.extend_from_slice(&self.carry);
            self.carry.clear();
            loop {
                if buf.len() >= opts.chunk_size {
                    if let Some(p) = memchr::memrchr(b'\n', &buf) {
                        let cut = keep_blocks_whole(&buf, p + 1);
                        self.carry.extend_from_slice(&buf[cut..]);
                        buf.truncate(cut);
                        break;
                    }
                    if buf.len() > opts.max_line {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("a line is longer than {} bytes", opts.max_line),
                        ));
                    }
                }
                let want = opts.chunk_size.max(4096);
                let n = read_full(&mut self.input, &mut buf, want)?;
                if n == 0 {
                    self.eof = true;
                    break;
                }
            }
            if buf.is_empty() {
                self.spare.push(buf);
            } else {
                chunks.push(buf);
            }
        }
        Ok(chunks)
    }
}

/// Chunks of a slice, cut like [`ChunkReader`] cuts its input.
struct SliceChunks<'a> {
    data: &'a [u8],
    pos: usize,
    /// `data` is a whole [`MappedFile`] (page-aligned), whose pages may be released.
    mapped: bool,
}

impl<'a> Source for SliceChunks<'a> {
    type Chunk = &'a [u8];

    fn recycle(&mut self, done: Vec<&'a [u8]>) {
        if !self.mapped {
            return;
        }
        let base = self.data.as_ptr() as usize;
        let Some(end) = done
            .iter()
            .map(|c| c.as_ptr() as usize + c.len() - base)
            .max()
        else {
            return;
        };
        let start = done
            .iter()
            .map(|c| c.as_ptr() as usize - base)
            .min()
            .unwrap_or(end);
        // Whole pages inside the chunks written (the pages at either end may be shared with
        // chunks still in flight).
        const PAGE: usize = 4096;
        let (from, to) = (start.next_multiple_of(PAGE), end / PAGE * PAGE);
        if from < to {
            // SAFETY: `from..to` lies inside the read-only file mapping `data` (page-aligned
            // from its start, as `mmap` returns it). Dropping those pages only makes later
            // reads fault them in again from the page cache; the chunks there were written.
            unsafe {
                libc::madvise(
                    self.data.as_ptr().add(from).cast_mut().cast(),
                    to - from,
                    libc::MADV_DONTNEED,
                );
            }
        }
    }

    fn batch(&mut self, opts: &Options) -> io::Result<Vec<&'a [u8]>> {
        let mut chunks = Vec::with_capacity(opts.in_flight);
        let size = opts.chunk_size.max(4096);
        while chunks.len() < opts.in_flight && self.pos < self.data.len() {
            let rest = &self.data[self.pos..];
            let len = if rest.len() <= size {
                rest.len()
            } else if let Some(p) = memchr::memrchr(b'\n', &rest[..size]) {
                keep_blocks_whole(rest, p + 1)
            } else {
                // One line longer than a chunk: it goes whole, up to `max_line`.
                match memchr::memchr(b'\n', &rest[size..]) {
                    Some(k) if size + k < opts.max_line => size + k + 1,
                    None if rest.len() <= opts.max_line => rest.len(),
                    _ => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("a line is longer than {} bytes", opts.max_line),
                        ));
                    }
                }
            };
            chunks.push(&rest[..len]);
            self.pos += len;
        }
        Ok(chunks)
    }
}

/// A file mapped into memory read-only, for [`run_slice`]: the input is redacted straight from
/// the page cache instead of being copied into buffers first (a fifth of the work on text).
///
/// As with any mapping (ripgrep maps files the same way), a file truncated by another process
/// while it is mapped makes reads past its new end fault; use [`run`] on inputs that others
/// may be rewriting.
pub struct MappedFile {
    ptr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value; sharing `&[u8]` views of it
// across threads is like sharing any immutable byte slice.
unsafe impl Send for MappedFile {}
// SAFETY: as above.
unsafe impl Sync for MappedFile {}

impl MappedFile {
    /// Maps `file` (its whole length); `None` for empty files or if mapping fails (pipes,
    /// special files), in which case the caller reads it instead.
    pub fn new(file: &std::fs::File) -> Option<MappedFile> {
        use std::os::fd::AsRawFd;
        let meta = file.metadata().ok()?;
        let len = usize::try_from(meta.len()).ok()?;
        if !meta.is_file() || len == 0 {
            return None;
        }
        // SAFETY: a fresh private read-only mapping of an open file descriptor; the result is
        // checked before use and unmapped in `Drop`.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        // SAFETY: advice on the range just mapped; failure only loses the hint.
        unsafe {
            libc::madvise(ptr, len, libc::MADV_SEQUENTIAL);
        }
        Some(MappedFile { ptr, len })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` is a live read-only mapping of `len` bytes, unmapped only in `Drop`,
        // which cannot run while this borrow lives.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        // SAFETY: unmaps the mapping made in `new`, once; no borrow of it outlives `self`.
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

/// Writes redacted batches in input order and turns chunk-relative results into events.
struct Emitter {
    /// Newlines before the next chunk.
    line_base: u64,
    byte_base: u64,
    last_was_newline: bool,
}

impl Emitter {
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        opts: &Options,
        chunks: &[impl AsRef<[u8]>],
        outs: &[Vec<u8>],
        results: Vec<ChunkOut>,
        output: &mut impl Write,
        events: &mut dyn Events,
        totals: &mut Totals,
    ) -> io::Result<()> {
        for ((chunk, res), out) in chunks.iter().zip(results).zip(outs) {
            let chunk = chunk.as_ref();
            if res.changed {
                output.write_all(out)?;
            } else {
                output.write_all(chunk)?;
            }
            for (line, mut f) in res.findings {
                f.line = self.line_base + line + 1;
                if matches!(opts.mode, Mode::Text) {
                    f.start += self.byte_base;
                    f.end += self.byte_base;
                }
                events.finding(f);
            }
            for (line, error) in res.malformed {
                events.malformed(MalformedLine {
                    line: self.line_base + line + 1,
                    error,
                });
                totals.malformed += 1;
            }
            for (d, n) in res.per_detector {
                totals.per_detector[d as usize] += n;
                totals.findings += n;
            }
            totals.records += res.records;
            self.line_base += res.newlines;
            self.byte_base += chunk.len() as u64;
            self.last_was_newline = chunk.last() == Some(&b'\n');
            totals.bytes += chunk.len() as u64;
            events.progress(chunk.len() as u64);
        }
        Ok(())
    }
}

/// Multi-line secrets (PEM blocks) must not be split between chunks: if the text before `cut`
/// opens a `-----BEGIN` block that does not end before it, cut before that block's line
/// instead (when that leaves something in the chunk).
fn keep_blocks_whole(buf: &[u8], cut: usize) -> usize {
    const LOOK_BACK: usize = 20 * 1024;
    let from = cut.saturating_sub(LOOK_BACK);
    let tail = &buf[from..cut];
    let Some(begin) = memchr::memmem::rfind(tail, b"-----BEGIN") else {
        return cut;
    };
    if memchr::memmem::find(&tail[begin..], b"-----END").is_some() {
        return cut;
    }
    let begin = from + begin;
    match memchr::memrchr(b'\n', &buf[..begin]) {
        Some(nl) => nl + 1,
        _ => cut,
    }
}

/// Appends up to `want` bytes (fewer only at EOF) without zero-filling the buffer first
/// (`read_to_end` reads straight into the spare capacity, which the reused buffers have).
fn read_full(r: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    buf.reserve(want);
    let mut total = 0;
    while total < want {
        match r.by_ref().take((want - total) as u64).read_to_end(buf) {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(total)
}

/// Redacts one chunk; the result goes to `out` (cleared first) when anything changed.
fn process_chunk(redactor: &Redactor, opts: &Options, chunk: &[u8], out: &mut Vec<u8>) -> ChunkOut {
    out.clear();
    match &opts.mode {
        Mode::Text => text_chunk(redactor, opts, chunk, out),
        Mode::Jsonl {
            pointer,
            on_malformed,
        } => jsonl_chunk(redactor, opts, chunk, pointer, *on_malformed, out),
    }
}

fn count_per_detector(hits: &[super::engine::Hit], acc: &mut Vec<(u16, u64)>) {
    for h in hits {
        match acc.iter_mut().find(|(d, _)| *d == h.detector) {
            Some((_, n)) => *n += 1,
            None => acc.push((h.detector, 1)),
        }
    }
}

fn text_chunk(redactor: &Redactor, opts: &Options, chunk: &[u8], out: &mut Vec<u8>) -> ChunkOut {
    let hits = redactor.scan(chunk);
    let mut res = ChunkOut {
        changed: false,
        newlines: memchr::memchr_iter(b'\n', chunk).count() as u64,
        records: 0,
        findings: Vec::new(),
        malformed: Vec::new(),
        per_detector: Vec::new(),
    };
    if hits.is_empty() {
        return res;
    }
    count_per_detector(&hits, &mut res.per_detector);
    out.reserve(chunk.len() + 64);
    redactor.apply(chunk, &hits, out);
    res.changed = true;
    if opts.findings {
        for f in redactor.findings(chunk, &hits) {
            res.findings.push((
                u64::from(f.line) - 1,
                BatchFinding {
                    rule: f.rule,
                    line: 0,
                    column: u64::from(f.column),
                    start: f.start as u64,
                    end: f.end as u64,
                    preview: f.preview,
                },
            ));
        }
    }
    res
}

fn jsonl_chunk(
    redactor: &Redactor,
    opts: &Options,
    chunk: &[u8],
    pointer: &Pointer,
    on_malformed: OnMalformed,
    out: &mut Vec<u8>,
) -> ChunkOut {
    let mut res = ChunkOut {
        changed: false,
        newlines: 0,
        records: 0,
        findings: Vec::new(),
        malformed: Vec::new(),
        per_detector: Vec::new(),
    };
    let mut copied = 0usize; // bytes of `chunk` already reflected in `out`
    let mut pos = 0usize;
    let mut line_no = 0u64;
    let mut field = Vec::new(); // decoded field, reused from record to record
    let mut replaced = Vec::new(); // redacted field, reused too
    while pos < chunk.len() {
        let nl = memchr::memchr(b'\n', &chunk[pos..]).map(|k| pos + k);
        let end = nl.unwrap_or(chunk.len());
        let next = nl.map_or(chunk.len(), |k| k + 1);
        let mut line = &chunk[pos..end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        if !line.iter().all(|b| b.is_ascii_whitespace()) {
            res.records += 1;
            match jsonl::locate(line, pointer) {
                Err(e) => {
                    res.malformed.push((line_no, e.to_string()));
                    if on_malformed == OnMalformed::Reject {
                        res.changed = true;
                        out.extend_from_slice(&chunk[copied..pos]);
                        copied = next;
                    }
                }
                Ok(spans) => {
                    let scratch = Scratch {
                        field: &mut field,
                        replaced: &mut replaced,
                    };
                    let before = &chunk[copied..pos];
                    if redact_record(
                        redactor, opts, line, &spans, line_no, &mut res, scratch, before, out,
                    ) {
                        res.changed = true;
                        copied = pos + line.len();
                    }
                }
            }
        }
        if nl.is_some() {
            line_no += 1;
        }
        pos = next;
    }
    if res.changed {
        out.extend_from_slice(&chunk[copied..]);
    }
    res.newlines = line_no;
    res
}

/// Buffers reused from record to record.
struct Scratch<'a> {
    /// The decoded field.
    field: &'a mut Vec<u8>,
    /// The field with its findings replaced.
    replaced: &'a mut Vec<u8>,
}

/// Redacts the fields of one record. If anything changed, appends `before` (the unchanged
/// input since the last change) and the new record to `out` and returns `true`; otherwise
/// leaves `out` alone.
#[allow(clippy::too_many_arguments)]
fn redact_record(
    redactor: &Redactor,
    opts: &Options,
    line: &[u8],
    spans: &[StrSpan],
    line_no: u64,
    res: &mut ChunkOut,
    scratch: Scratch<'_>,
    before: &[u8],
    out: &mut Vec<u8>,
) -> bool {
    let Scratch { field, replaced } = scratch;
    let mut changed = false;
    let mut copied = 0usize;
    for s in spans {
        let decoded: &[u8] = if s.escaped {
            if !jsonl::unescape_into(line, *s, field) {
                res.malformed
                    .push((line_no, "field is not a valid UTF-8 string".into()));
                continue;
            }
            field
        } else {
            &line[s.start..s.end]
        };
        let hits = redactor.scan(decoded);
        if hits.is_empty() {
            continue;
        }
        count_per_detector(&hits, &mut res.per_detector);
        if opts.findings {
            for h in &hits {
                res.findings.push((
                    line_no,
                    BatchFinding {
                        rule: redactor.rule_id(h.detector).to_string(),
                        line: 0,
                        column: h.start as u64 + 1,
                        start: h.start as u64,
                        end: h.end as u64,
                        preview: redactor.preview(decoded, h),
                    },
                ));
            }
        }
        replaced.clear();
        redactor.apply(decoded, &hits, replaced);
        if !changed {
            changed = true;
            out.reserve(before.len() + line.len() + 64);
            out.extend_from_slice(before);
        }
        if s.escaped {
            // Re-escape the whole string (quotes included), as serde_json would write it.
            out.extend_from_slice(&line[copied..s.start - 1]);
            match std::str::from_utf8(replaced) {
                Ok(text) => jsonl::escape_into(text, out),
                Err(_) => jsonl::escape_into(&String::from_utf8_lossy(replaced), out),
            }
            copied = s.end + 1;
        } else {
            // No escapes: the raw bytes were the text; replacements need no escaping either.
            out.extend_from_slice(&line[copied..s.start]);
            out.extend_from_slice(replaced);
            copied = s.end;
        }
    }
    if changed {
        out.extend_from_slice(&line[copied..]);
    }
    changed
}
