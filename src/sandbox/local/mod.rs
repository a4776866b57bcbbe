//! Local sandbox backend: a fresh scratch directory, Landlock, seccomp, rlimits and a
//! parent-side wall-clock kill of the whole process group. (Issue 4.)
//!
//! Each job runs the real CPython binary (`-I -S -B`, never a pyenv shim) with the embedded
//! runner (`runner.py`) as `-c` argument, or a small `-c` loader that reads the runner's
//! precompiled code from stdin. The child is set up by [`spawn`]: own session and
//! process group, cleared environment (`TMPDIR`/`HOME` = scratch), only fds 0–3 open, rlimits
//! (AS, CPU, FSIZE, NOFILE, CORE = 0, STACK, MEMLOCK), no capabilities and no-new-privs, an
//! unprivileged uid/gid when started as root, [`landlock`] and [`seccomp`]. The job (code,
//! context as `marshal` data, allowed imports) goes over stdin, never pasted into source; the
//! runner imports only built-in modules (start-up is most of a run's cost) and reports
//! the exception type and message on fd 3. The parent reads stdout/stderr concurrently (one
//! `poll` loop), caps them (kill + `truncated`), kills the group at the wall-clock deadline and
//! takes CPU time and max RSS from `wait4`.
//!
//! With [`LocalOptions::pool_size`] > 0 a [`pool`] keeps interpreters started and already
//! sandboxed, each waiting for exactly one job (never reused), so a run costs no process start.
//! With [`LocalOptions::fork_server`] a [`zygote`] (one sandboxed interpreter that forks a
//! child per job, each child under its own Landlock layer) replaces the start altogether.
//!
//! ```no_run
//! use pywarden::sandbox::local::{LocalBackend, LocalOptions};
//! use pywarden::sandbox::{Job, SandboxConfig};
//! let backend = LocalBackend::new(LocalOptions::default()).unwrap();
//! let job = Job { code: "print(context['x'] * 2)".into(),
//!                 context: Some(serde_json::json!({"x": 21})),
//!                 config: SandboxConfig::default() };
//! let out = backend.run_blocking(&job).unwrap();
//! assert_eq!(out.stdout, "42\n");
//! ```

pub mod interpreter;
pub mod landlock;
pub mod pool;
pub mod seccomp;
pub mod spawn;
pub mod zygote;

use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::landlock::CompatLevel;
use futures_util::future::BoxFuture;

use crate::sandbox::{Backend, Job, RunOutput, SandboxConfig, SandboxError, Termination};

pub use interpreter::Interpreter;
use spawn::{Prepared, Spawned};

/// Smallest accepted address-space limit: below it CPython cannot even start.
pub const MIN_MEMORY_MB: u64 = 32;

/// The runner script executed inside the sandbox (see its header for the protocol).
pub const RUNNER: &str = include_str!("runner.py");

/// Which uid the sandboxed interpreter runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunAs {
    /// Root: switch to 65534:65534 (`nobody`). Otherwise: stay (no switch possible).
    #[default]
    Auto,
    /// Never switch (as root: uid 0 without any capability).
    Current,
    /// Switch to this uid/gid (requires root).
    User { uid: u32, gid: u32 },
}

/// Backend-wide settings (per-job limits are in [`SandboxConfig`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalOptions {
    /// Interpreter binary; `None` = discover a working one at start-up.
    pub interpreter: Option<PathBuf>,
    pub run_as: RunAs,
    /// Largest file the code may write (RLIMIT_FSIZE), bytes.
    pub max_file_bytes: u64,
    /// RLIMIT_NOFILE.
    pub max_open_files: u64,
    /// RLIMIT_STACK (also the default thread stack size), bytes.
    pub max_stack_bytes: u64,
    /// Where scratch directories are created (default: the system temp dir).
    pub scratch_parent: Option<PathBuf>,
    /// Number of pre-started sandboxed interpreters kept ready (0 = no pool).
    pub pool_size: usize,
    /// Limits of pooled interpreters; jobs with other memory/timeout limits start cold.
    pub pool_config: SandboxConfig,
    /// A pids cgroup (v1 `pids` controller directory, or a v2 directory with the controller
    /// enabled) under which each run gets its own child cgroup with `pids.max` =
    /// [`LocalOptions::max_pids`]; after the run every process left in it is killed, even one
    /// that left the process group with `setsid`. `None` = no cgroup.
    pub pids_cgroup: Option<PathBuf>,
    /// `pids.max` of each run's cgroup.
    pub max_pids: u64,
    /// Deny `fork`/`vfork`/`clone` of processes with seccomp (default true). Turning it off is
    /// only accepted together with [`LocalOptions::pids_cgroup`], which then bounds and reaps
    /// the processes the code creates.
    pub deny_process_creation: bool,
    /// Compile the runner once at start-up (with the chosen interpreter, into `marshal` bytes
    /// written to each interpreter's stdin ahead of its job), so each run skips compiling its
    /// source (a few ms of every cold start). Costs one interpreter start when the backend is
    /// built: worth it for long-lived processes, not for one-shot `pywarden run`. Default true.
    pub precompile_runner: bool,
    /// Pretend the kernel offers only this Landlock ABI (tests, demonstrations): below the
    /// required ABI the backend refuses to run unless weaker sandboxes are accepted.
    pub simulate_landlock_abi: Option<i32>,
    /// Run jobs as children of a fork server (see [`zygote`]) instead of starting an
    /// interpreter per run: a run then costs a `fork`, not CPython's start-up. Only where
    /// Landlock is fully enforced (each child gets its own Landlock layer); when the fork
    /// server cannot start, or while it restarts, runs start cold (or from the pool). For
    /// long-lived processes (`serve`); default false.
    pub fork_server: bool,
}

impl Default for LocalOptions {
    fn default() -> Self {
        Self {
            interpreter: None,
            run_as: RunAs::Auto,
            max_file_bytes: 16 * 1024 * 1024,
            max_open_files: 64,
            max_stack_bytes: 8 * 1024 * 1024,
            scratch_parent: None,
            pool_size: 0,
            pool_config: SandboxConfig::default(),
            pids_cgroup: None,
            max_pids: 64,
            deny_process_creation: true,
            precompile_runner: true,
            simulate_landlock_abi: None,
            fork_server: false,
        }
    }
}

impl LocalOptions {
    /// Defaults plus the environment: `PYWARDEN_PYTHON` (interpreter) and
    /// `PYWARDEN_SIMULATE_LANDLOCK_ABI` (see [`LocalOptions::simulate_landlock_abi`]).
    pub fn from_env() -> Self {
        let mut o = Self::default();
        if let Some(p) = std::env::var_os("PYWARDEN_PYTHON").filter(|p| !p.is_empty()) {
            o.interpreter = Some(PathBuf::from(p));
        }
        if let Ok(v) = std::env::var("PYWARDEN_SIMULATE_LANDLOCK_ABI") {
            o.simulate_landlock_abi = v.trim().parse().ok();
        }
        o
    }
}

/// What never changes between runs: interpreter, grants, filters, uid.
pub(crate) struct Launcher {
    interpreter: Interpreter,
    grants: landlock::OpenGrants,
    filters: seccomp::Filters,
    switch_to: Option<(u32, u32)>,
    options: LocalOptions,
    landlock: landlock::Probe,
    /// The `-c` argument: the runner source, or a loader of its precompiled code.
    runner_arg: CString,
    /// The runner's precompiled code (`marshal` bytes), written to each interpreter's stdin
    /// ahead of its job, where the loader in `runner_arg` reads it.
    runner_code: Option<Vec<u8>>,
}

/// A per-run scratch directory, deleted (even when the code made it hard) on drop.
pub(crate) struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn create(parent: &Path, owner: Option<(u32, u32)>) -> Result<Self, SandboxError> {
        let dir = tempfile::Builder::new()
            .prefix("pywarden-run-")
            .tempdir_in(parent)?
            .keep();
        let scratch = Self { path: dir };
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&scratch.path, Some(uid), Some(gid))?;
        }
        Ok(scratch)
    }
}

fn make_removable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                make_removable(&e.path());
            }
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Most runs leave the directory empty: one rmdir, instead of remove_dir_all's open,
        // stat and listing.
        if std::fs::remove_dir(&self.path).is_ok() {
            return;
        }
        if std::fs::remove_dir_all(&self.path).is_err() {
            make_removable(&self.path);
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A per-run child cgroup: every process in it is killed and the cgroup removed on drop.
pub(crate) struct RunCgroup {
    path: PathBuf,
}

impl RunCgroup {
    fn create(parent: &Path, max_pids: u64) -> Result<Self, SandboxError> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = parent.join(format!("run-{}-{n}", std::process::id()));
        std::fs::create_dir(&path).map_err(|e| {
            SandboxError::Config(format!("cannot create cgroup {}: {e}", path.display()))
        })?;
        let cg = Self { path };
        std::fs::write(cg.path.join("pids.max"), max_pids.to_string()).map_err(|e| {
            SandboxError::Config(format!("cannot set pids.max in {}: {e}", cg.path.display()))
        })?;
        Ok(cg)
    }

    /// Pids currently in the cgroup.
    fn pids(&self) -> Vec<libc::pid_t> {
        std::fs::read_to_string(self.path.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }

    /// Kills everything in the cgroup until it is empty (bounded).
    fn kill_all(&self) {
        for _ in 0..200 {
            let pids = self.pids();
            if pids.is_empty() {
                return;
            }
            for pid in pids {
                // SAFETY: kill on pids read from our own cgroup.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for RunCgroup {
    fn drop(&mut self) {
        self.kill_all();
        for _ in 0..100 {
            if std::fs::remove_dir(&self.path).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// A started, sandboxed interpreter waiting for its job on stdin.
pub(crate) struct Started {
    pub spawned: Spawned,
    /// Killed and removed after the run (declared after `spawned`: dropped after the reap).
    pub cgroup: Option<RunCgroup>,
    #[expect(dead_code, reason = "kept alive until the run ends; deleted on drop")]
    pub scratch: Scratch,
    pub cpu_limit_secs: u64,
}

fn cstr(b: &[u8]) -> Result<CString, SandboxError> {
    CString::new(b).map_err(|_| SandboxError::Config("path or argument contains a NUL byte".into()))
}

fn cpu_limit(config: &SandboxConfig) -> u64 {
    config.timeout.as_secs_f64().ceil() as u64 + 1
}

impl Launcher {
    fn new(options: LocalOptions) -> Result<Self, SandboxError> {
        // SAFETY: geteuid/getegid cannot fail.
        let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
        let _ = egid;
        let switch_to = match options.run_as {
            RunAs::Auto if euid == 0 => Some((65534, 65534)),
            RunAs::Auto | RunAs::Current => None,
            RunAs::User { uid, gid } => {
                if euid != 0 {
                    return Err(SandboxError::Config(format!(
                        "switching the sandbox to uid {uid} needs root"
                    )));
                }
                Some((uid, gid))
            }
        };
        let interpreter =
            interpreter::discover(options.interpreter.as_deref(), switch_to.is_some())
                .map_err(SandboxError::Config)?;
        let mut exec_files = vec![interpreter.path.clone()];
        exec_files.extend(interpreter.elf_loader.clone());
        let mut read_trees = interpreter.read_trees.clone();
        for p in [
            "/usr/lib",
            "/usr/lib64",
            "/lib",
            "/lib64",
            "/usr/share/zoneinfo",
        ] {
            if let Ok(c) = std::fs::canonicalize(p)
                && !read_trees.iter().any(|t| c.starts_with(t))
            {
                read_trees.push(c);
            }
        }
        // The interpreter's own directory (pyenv: prefix/bin) for `sys.executable` lookups.
        let read_files = [
            "/etc/ld.so.cache",
            "/etc/localtime",
            "/etc/passwd",
            "/etc/group",
            "/etc/hosts",
            "/etc/nsswitch.conf",
            "/dev/urandom",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let grants = landlock::Grants {
            exec_files,
            read_trees,
            read_files,
            rw_files: vec![PathBuf::from("/dev/null")],
        };
        if !options.deny_process_creation && options.pids_cgroup.is_none() {
            return Err(SandboxError::Config(
                "allowing process creation needs a pids cgroup to bound and reap them".into(),
            ));
        }
        let filters = seccomp::build(options.deny_process_creation, seccomp::x32_reachable())
            .map_err(SandboxError::Unavailable)?;
        let probe = landlock::probe(&grants, options.simulate_landlock_abi);
        let grants = landlock::OpenGrants::open(&grants).map_err(SandboxError::Unavailable)?;
        let runner_code = match options.precompile_runner {
            true => precompile_runner(&interpreter.path),
            false => None,
        };
        let runner_arg = match &runner_code {
            Some(code) => cstr(runner_loader(code.len()).as_bytes())?,
            None => cstr(RUNNER.as_bytes())?,
        };
        Ok(Self {
            runner_arg,
            runner_code,
            interpreter,
            grants,
            filters,
            switch_to,
            options,
            landlock: probe,
        })
    }

    /// Where scratch directories (and the fork server's root) are created.
    fn scratch_parent(&self) -> PathBuf {
        self.options
            .scratch_parent
            .clone()
            .unwrap_or_else(std::env::temp_dir)
    }

    /// Refuses a job the sandbox cannot run as configured (Landlock not fully enforced without
    /// the opt-in, zero timeout, memory limit below what CPython needs).
    fn check(&self, config: &SandboxConfig) -> Result<(), SandboxError> {
        if !self.landlock.fully_enforced && !config.allow_weaker_sandbox {
            return Err(SandboxError::Unavailable(format!(
                "{}; refusing to run without the full sandbox (opt in to a weaker sandbox \
                 explicitly, e.g. --allow-weaker-sandbox)",
                self.landlock.description
            )));
        }
        if config.timeout.is_zero() {
            return Err(SandboxError::Config("the timeout must be positive".into()));
        }
        if config.max_memory_mb < MIN_MEMORY_MB {
            return Err(SandboxError::Config(format!(
                "the memory limit must be at least {MIN_MEMORY_MB} MiB (the interpreter alone \
                 maps about 20 MiB)"
            )));
        }
        Ok(())
    }

    /// Starts a sandboxed interpreter for `config` (the job is written later).
    fn start(&self, config: &SandboxConfig) -> Result<Started, SandboxError> {
        self.check(config)?;
        let scratch = Scratch::create(&self.scratch_parent(), self.switch_to)?;
        let level = if config.allow_weaker_sandbox {
            CompatLevel::BestEffort
        } else {
            CompatLevel::HardRequirement
        };
        let ruleset = landlock::build(&self.grants, &scratch.path, level).map_err(|e| {
            SandboxError::Unavailable(format!("{e}; refusing to run without the full sandbox"))
        })?;
        let cgroup = match &self.options.pids_cgroup {
            Some(parent) => Some(RunCgroup::create(parent, self.options.max_pids)?),
            None => None,
        };
        let cgroup_procs = match &cgroup {
            Some(c) => Some(cstr(c.path.join("cgroup.procs").as_os_str().as_bytes())?),
            None => None,
        };
        let cpu = cpu_limit(config);
        let mem = config.max_memory_mb.saturating_mul(1024 * 1024);
        let rlimits = vec![
            (libc::RLIMIT_AS, mem),
            (libc::RLIMIT_CPU, cpu),
            (libc::RLIMIT_FSIZE, self.options.max_file_bytes),
            (libc::RLIMIT_NOFILE, self.options.max_open_files),
            (libc::RLIMIT_CORE, 0),
            (libc::RLIMIT_STACK, self.options.max_stack_bytes),
            (libc::RLIMIT_MEMLOCK, 0),
            (libc::RLIMIT_MSGQUEUE, 0),
        ];
        let sp = scratch.path.as_os_str().as_bytes();
        let interp = cstr(self.interpreter.path.as_os_str().as_bytes())?;
        let prepared = Prepared {
            argv: vec![
                interp.clone(),
                cstr(b"-I")?,
                cstr(b"-S")?,
                cstr(b"-B")?,
                cstr(b"-c")?,
                self.runner_arg.clone(),
            ],
            interpreter: interp,
            envp: vec![
                cstr(&[b"TMPDIR=", sp].concat())?,
                cstr(&[b"HOME=", sp].concat())?,
                cstr(b"LANG=C.UTF-8")?,
            ],
            scratch: cstr(sp)?,
            rlimits,
            switch_to: self.switch_to,
            landlock: ruleset,
            cgroup_procs,
            extra_fd: None,
        };
        let mut spawned = spawn::spawn(&prepared, &self.filters.programs)?;
        if let Some(code) = &self.runner_code {
            // At most MAX_RUNNER_CODE bytes: fits the pipe (64 KiB) in one write, so this does
            // not wait for the interpreter; a smaller pipe waits until the interpreter reads.
            let fd = spawned.stdin.take().expect("spawn returns stdin");
            let stdin = std::fs::File::from(fd);
            let written = (&stdin).write_all(code);
            spawned.stdin = Some(stdin.into());
            if let Err(e) = written {
                spawned.kill_group();
                spawned.reap();
                return Err(SandboxError::Io(e));
            }
        }
        Ok(Started {
            spawned,
            cgroup,
            scratch,
            cpu_limit_secs: cpu,
        })
    }
}

/// Largest precompiled runner written to stdin ahead of the job (under the default 64 KiB
/// pipe buffer); a larger one (never, today: ≈15 KB) falls back to the source.
const MAX_RUNNER_CODE: usize = 60_000;

/// Compiles [`RUNNER`] with `interpreter` into its `marshal`led code object (`None` if that
/// fails: the source is used then).
fn precompile_runner(interpreter: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    const COMPILE: &str = "import marshal, sys\n\
        sys.stdout.buffer.write(marshal.dumps(compile(sys.stdin.read(), '<string>', 'exec')))";
    let mut child = Command::new(interpreter)
        .args(["-I", "-S", "-B", "-c", COMPILE])
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(RUNNER.as_bytes()).ok()?;
    let mut code = Vec::new();
    child.stdout.take()?.read_to_end(&mut code).ok()?;
    if !child.wait().ok()?.success() || code.is_empty() || code.len() > MAX_RUNNER_CODE {
        return None;
    }
    Some(code)
}

/// The `-c` program that reads the precompiled runner (`len` bytes of `marshal` data) from
/// stdin and runs it. Passing the code on stdin rather than on the command line (as hex, the
/// earlier form) spares every start-up decoding and compiling a 30 KB argument.
fn runner_loader(len: usize) -> String {
    format!(
        "import marshal, posix\n\
         b = b''\n\
         while len(b) < {len}:\n\
         \x20   c = posix.read(0, {len} - len(b))\n\
         \x20   if not c:\n\
         \x20       posix._exit(120)\n\
         \x20   b += c\n\
         exec(marshal.loads(b))\n"
    )
}

/// Encodes a job for the runner (see `runner.py`).
fn encode_job(job: &Job) -> Result<Vec<u8>, SandboxError> {
    for m in &job.config.allowed_imports {
        if m.is_empty() || !m.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(SandboxError::Config(format!(
                "bad module name in allowed_imports: {m:?}"
            )));
        }
    }
    let imports = job.config.allowed_imports.join(",");
    let ctx = match &job.context {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(v) => encode_context(v)?,
    };
    let flags = if job.config.runtime_guards { "g" } else { "-" };
    let mut out = format!(
        "PYWARDEN1 {flags} {} {} {}\n",
        imports.len(),
        job.code.len(),
        ctx.len()
    )
    .into_bytes();
    out.extend_from_slice(imports.as_bytes());
    out.extend_from_slice(job.code.as_bytes());
    out.extend_from_slice(&ctx);
    Ok(out)
}

/// Deepest context the runner accepts (CPython's `marshal` refuses data nested deeper than
/// 2,000; JSON from the CLI and the HTTP API stops at serde_json's 128 anyway).
pub const MAX_CONTEXT_DEPTH: usize = 1_000;

/// Encodes the context value in CPython's `marshal` format, which the runner reads with the
/// built-in `marshal.loads` — parsing JSON in the interpreter would first import `json` (and
/// with it `re` and `enum`), ≈ 5 ms of CPU per run. Produces the same Python objects as
/// `json.loads` of the value's JSON text: None, bool, int (any size), float, str, list, dict
/// with str keys in order.
fn encode_context(value: &serde_json::Value) -> Result<Vec<u8>, SandboxError> {
    fn put(out: &mut Vec<u8>, v: &serde_json::Value, depth: usize) -> Result<(), SandboxError> {
        use serde_json::Value as J;
        if depth > MAX_CONTEXT_DEPTH {
            return Err(SandboxError::Config(format!(
                "context is nested deeper than {MAX_CONTEXT_DEPTH} levels"
            )));
        }
        match v {
            J::Null => out.push(b'N'),
            J::Bool(true) => out.push(b'T'),
            J::Bool(false) => out.push(b'F'),
            J::Number(n) => {
                if let Some(i) = n.as_i64() {
                    put_int(out, i128::from(i));
                } else if let Some(u) = n.as_u64() {
                    put_int(out, i128::from(u));
                } else {
                    // serde_json numbers are finite (JSON has no NaN or infinity).
                    out.push(b'g');
                    out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_le_bytes());
                }
            }
            J::String(s) => put_str(out, s)?,
            J::Array(items) => {
                out.push(b'[');
                put_len(out, items.len())?;
                for item in items {
                    put(out, item, depth + 1)?;
                }
            }
            J::Object(map) => {
                out.push(b'{');
                for (k, item) in map {
                    put_str(out, k)?;
                    put(out, item, depth + 1)?;
                }
                out.push(b'0');
            }
        }
        Ok(())
    }
    fn put_len(out: &mut Vec<u8>, n: usize) -> Result<(), SandboxError> {
        let n =
            i32::try_from(n).map_err(|_| SandboxError::Config("context value too large".into()))?;
        out.extend_from_slice(&n.to_le_bytes());
        Ok(())
    }
    fn put_str(out: &mut Vec<u8>, s: &str) -> Result<(), SandboxError> {
        out.push(b'u');
        put_len(out, s.len())?;
        out.extend_from_slice(s.as_bytes());
        Ok(())
    }
    /// `i` (32-bit) when it fits, else `l`: a signed count of 15-bit digits, least
    /// significant first.
    fn put_int(out: &mut Vec<u8>, i: i128) {
        if let Ok(small) = i32::try_from(i) {
            out.push(b'i');
            out.extend_from_slice(&small.to_le_bytes());
            return;
        }
        let mut digits = Vec::new();
        let mut m = i.unsigned_abs();
        while m > 0 {
            digits.push((m & 0x7fff) as u16);
            m >>= 15;
        }
        let n = digits.len() as i32;
        out.push(b'l');
        out.extend_from_slice(&(if i < 0 { -n } else { n }).to_le_bytes());
        for d in digits {
            out.extend_from_slice(&d.to_le_bytes());
        }
    }
    let mut out = Vec::new();
    put(&mut out, value, 0)?;
    Ok(out)
}

fn set_nonblocking(fd: &OwnedFd) {
    // SAFETY: fcntl on an fd we own.
    unsafe {
        let fl = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, fl | libc::O_NONBLOCK);
    }
}

enum ReadOutcome {
    Data(usize),
    Eof,
    WouldBlock,
}

fn read_some(fd: &OwnedFd, buf: &mut [u8]) -> ReadOutcome {
    loop {
        // SAFETY: reading into our buffer.
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            return ReadOutcome::Data(n as usize);
        }
        if n == 0 {
            return ReadOutcome::Eof;
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) => return ReadOutcome::WouldBlock,
            _ => return ReadOutcome::Eof,
        }
    }
}

/// Feeds the job, supervises the run and classifies its end.
fn supervise(mut st: Started, job: &Job, payload: &[u8]) -> RunOutput {
    let start = Instant::now();
    let deadline = start + job.config.timeout;
    let cap = job.config.max_output_bytes;
    let sp = &mut st.spawned;
    let stdin = sp.stdin.take();
    if let Some(s) = &stdin {
        set_nonblocking(s);
    }
    for fd in [&sp.stdout, &sp.stderr, &sp.result] {
        set_nonblocking(fd);
    }
    let mut stdin = stdin;
    let mut written = 0usize;
    let (mut out, mut err, mut res) = (Vec::new(), Vec::new(), Vec::new());
    let mut open = [true; 3]; // stdout, stderr, result
    let mut exited = false;
    let (mut timed_out, mut truncated) = (false, false);
    let mut buf = vec![0u8; 64 * 1024];
    while !exited {
        let now = Instant::now();
        if now >= deadline {
            timed_out = true;
            break;
        }
        let wait_ms = (deadline - now).as_millis().clamp(1, 1000) as i32;
        let mut fds: Vec<libc::pollfd> = Vec::with_capacity(5);
        let mut slots: Vec<usize> = Vec::with_capacity(5);
        let readers = [&sp.stdout, &sp.stderr, &sp.result];
        for (i, fd) in readers.iter().enumerate() {
            if open[i] {
                fds.push(libc::pollfd {
                    fd: fd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                });
                slots.push(i);
            }
        }
        fds.push(libc::pollfd {
            fd: sp.pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        });
        slots.push(3);
        if let Some(s) = &stdin {
            fds.push(libc::pollfd {
                fd: s.as_raw_fd(),
                events: libc::POLLOUT,
                revents: 0,
            });
            slots.push(4);
        }
        // SAFETY: fds is a valid array of pollfd.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait_ms) };
        if n < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            break;
        }
        for (pfd, &slot) in fds.iter().zip(&slots) {
            if pfd.revents == 0 {
                continue;
            }
            match slot {
                0..=2 => loop {
                    let fd = readers[slot];
                    match read_some(fd, &mut buf) {
                        ReadOutcome::Data(k) => {
                            let chunk = &buf[..k];
                            if slot == 2 {
                                if res.len() < 70_000 {
                                    res.extend_from_slice(chunk);
                                }
                                continue;
                            }
                            let room = cap.saturating_sub(out.len() + err.len());
                            let take = k.min(room);
                            let target = if slot == 0 { &mut out } else { &mut err };
                            target.extend_from_slice(&chunk[..take]);
                            if take < k {
                                truncated = true;
                                sp.kill_group();
                                break;
                            }
                        }
                        ReadOutcome::Eof => {
                            open[slot] = false;
                            break;
                        }
                        ReadOutcome::WouldBlock => break,
                    }
                },
                3 => exited = true,
                _ => {
                    if let Some(s) = &stdin {
                        let rest = &payload[written..];
                        // SAFETY: writing from our buffer.
                        let w =
                            unsafe { libc::write(s.as_raw_fd(), rest.as_ptr().cast(), rest.len()) };
                        if w > 0 {
                            written += w as usize;
                        }
                        if written >= payload.len()
                            || (w < 0
                                && std::io::Error::last_os_error().raw_os_error()
                                    != Some(libc::EAGAIN))
                        {
                            stdin = None;
                        }
                    }
                }
            }
        }
        if truncated {
            break;
        }
    }
    drop(stdin);
    let elapsed = start.elapsed();
    sp.kill_group();
    if let Some(cg) = &st.cgroup {
        cg.kill_all();
    }
    // Drain what is still buffered in the pipes (writers are dead now).
    let drain_until = Instant::now() + Duration::from_millis(200);
    let readers = [&sp.stdout, &sp.stderr, &sp.result];
    for (slot, fd) in readers.iter().enumerate() {
        while open[slot] && !truncated && Instant::now() < drain_until {
            match read_some(fd, &mut buf) {
                ReadOutcome::Data(k) => {
                    if slot == 2 {
                        res.extend_from_slice(&buf[..k.min(70_000usize.saturating_sub(res.len()))]);
                        continue;
                    }
                    let room = cap.saturating_sub(out.len() + err.len());
                    let take = k.min(room);
                    let target = if slot == 0 { &mut out } else { &mut err };
                    target.extend_from_slice(&buf[..take]);
                    if take < k {
                        truncated = true;
                    }
                }
                ReadOutcome::Eof => open[slot] = false,
                ReadOutcome::WouldBlock => {
                    let mut p = libc::pollfd {
                        fd: fd.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd.
                    if unsafe { libc::poll(&mut p, 1, 20) } <= 0 {
                        break;
                    }
                }
            }
        }
    }
    let (status, ru) = sp.reap();
    if let Some(cg) = &st.cgroup {
        cg.kill_all();
    }
    let cpu = ru.ru_utime.tv_sec as f64
        + ru.ru_utime.tv_usec as f64 / 1e6
        + ru.ru_stime.tv_sec as f64
        + ru.ru_stime.tv_usec as f64 / 1e6;
    let stdout = String::from_utf8_lossy(&out).into_owned();
    let stderr = String::from_utf8_lossy(&err).into_owned();
    let report = parse_result(&res);
    let mut o = RunOutput {
        stdout,
        stderr,
        exit_code: None,
        termination: None,
        truncated,
        error_message: None,
        execution_time_seconds: elapsed.as_secs_f64(),
        cpu_time_seconds: cpu,
        max_rss_kb: ru.ru_maxrss.max(0) as u64,
    };
    let signaled = libc::WIFSIGNALED(status);
    let sig = if signaled { libc::WTERMSIG(status) } else { 0 };
    if libc::WIFEXITED(status) {
        o.exit_code = Some(libc::WEXITSTATUS(status));
    } else if signaled {
        o.exit_code = Some(128 + sig);
    }
    let term = if timed_out {
        o.error_message = Some(format!(
            "TimeoutError: wall-clock limit of {:.3}s exceeded",
            job.config.timeout.as_secs_f64()
        ));
        Termination::Timeout
    } else if truncated {
        o.error_message = Some(format!("OutputLimit: output exceeded {cap} bytes"));
        Termination::OutputLimit
    } else if signaled
        && (sig == libc::SIGXCPU
            || (sig == libc::SIGKILL && cpu + 0.05 >= st.cpu_limit_secs as f64))
    {
        o.error_message = Some(format!(
            "TimeoutError: CPU-time limit of {}s exceeded",
            st.cpu_limit_secs
        ));
        Termination::Timeout
    } else if let Some((code, etype, emsg)) = report {
        o.exit_code = Some(code);
        if !etype.is_empty() {
            o.error_message = Some(if emsg.is_empty() {
                etype.clone()
            } else {
                format!("{etype}: {emsg}")
            });
        }
        if etype == "MemoryError" {
            Termination::Memory
        } else if etype == "SandboxError" && code == 121 {
            // A fork-server child whose set-up failed (it never read its job).
            Termination::SandboxError
        } else if etype == "SyntaxError" && code == 1 && o.stdout.is_empty() {
            Termination::SyntaxError
        } else {
            Termination::Exited
        }
    } else if signaled {
        o.error_message = Some(format!("Signal: killed by signal {sig}"));
        Termination::Signal
    } else if o.stderr.contains("MemoryError") {
        o.error_message = Some("MemoryError".into());
        Termination::Memory
    } else {
        let last = o
            .stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        o.error_message = Some(if last.is_empty() {
            format!(
                "SandboxError: the interpreter exited with status {:?} without a report",
                o.exit_code
            )
        } else {
            last.to_string()
        });
        Termination::Exited
    };
    o.termination = Some(term);
    o
}

/// Parses `PYWARDEN1\0code\0type\0message` from fd 3.
fn parse_result(raw: &[u8]) -> Option<(i32, String, String)> {
    let text = String::from_utf8_lossy(raw);
    let mut it = text.splitn(4, '\0');
    if it.next()? != "PYWARDEN1" {
        return None;
    }
    let code = it.next()?.parse().ok()?;
    let etype = it.next()?.trim().to_string();
    let emsg = it.next().unwrap_or("").to_string();
    Some((code, etype, emsg))
}

/// The local backend. Cheap to share (`Arc`); runs jobs concurrently.
pub struct LocalBackend {
    inner: Arc<Inner>,
}

struct Inner {
    launcher: Arc<Launcher>,
    pool: Option<pool::Pool>,
    fork_server: Option<zygote::ForkServer>,
}

impl Inner {
    fn run_blocking(&self, job: &Job) -> Result<RunOutput, SandboxError> {
        let payload = encode_job(job)?;
        let forked = match &self.fork_server {
            Some(f) => f.start_job(&self.launcher, &job.config)?,
            None => None,
        };
        let started = match forked {
            Some(s) => s,
            None => match self.pool.as_ref().and_then(|p| p.take(&job.config)) {
                Some(s) => s,
                None => self.launcher.start(&job.config)?,
            },
        };
        Ok(supervise(started, job, &payload))
    }
}

impl LocalBackend {
    /// Resolves the interpreter, compiles the seccomp filters and probes Landlock once.
    pub fn new(options: LocalOptions) -> Result<Self, SandboxError> {
        let pool_size = options.pool_size;
        let pool_config = options.pool_config.clone();
        let want_fork_server = options.fork_server;
        let launcher = Arc::new(Launcher::new(options)?);
        let fork_server = match want_fork_server {
            true => match zygote::ForkServer::start(launcher.clone()) {
                Ok(f) => Some(f),
                Err(e) => {
                    tracing::warn!("{e}; runs start cold");
                    None
                }
            },
            false => None,
        };
        // The pool is only for when there is no fork server (it would never be used).
        let pool = (pool_size > 0 && fork_server.is_none())
            .then(|| pool::Pool::new(launcher.clone(), pool_config, pool_size));
        Ok(Self {
            inner: Arc::new(Inner {
                launcher,
                pool,
                fork_server,
            }),
        })
    }

    /// The interpreter in use.
    pub fn interpreter(&self) -> &Interpreter {
        &self.inner.launcher.interpreter
    }

    /// One line describing the sandbox (interpreter, uid, Landlock status), for `--version`
    /// and health output.
    pub fn describe(&self) -> String {
        let l = &self.inner.launcher;
        let uid = match l.switch_to {
            Some((u, g)) => format!("uid {u}:{g}"),
            // SAFETY: geteuid cannot fail.
            None => format!("uid {} (no switch)", unsafe { libc::geteuid() }),
        };
        let x32 = match l.filters.x32_aliases {
            true => " (with x32 aliases)",
            false => "",
        };
        let fork = match &self.inner.fork_server {
            Some(f) if f.running() => ", fork server",
            Some(_) => ", fork server down (runs start cold until it is back)",
            None => "",
        };
        format!(
            "local: python {} ({}), {uid}, {}, seccomp deny-list{x32}{fork}",
            l.interpreter.version,
            l.interpreter.path.display(),
            l.landlock.description
        )
    }

    /// Whether runs are forked from a fork server (one is configured and running now).
    pub fn fork_server_running(&self) -> bool {
        self.inner.fork_server.as_ref().is_some_and(|f| f.running())
    }

    /// How many fork servers were started (1 unless one died and was restarted).
    pub fn fork_server_starts(&self) -> u64 {
        self.inner.fork_server.as_ref().map_or(0, |f| f.starts())
    }

    /// The running fork server's pid (for tests of its restart).
    pub fn fork_server_pid(&self) -> Option<i32> {
        self.inner.fork_server.as_ref().and_then(|f| f.pid())
    }

    /// Whether runs use the precompiled runner (see [`LocalOptions::precompile_runner`]).
    pub fn runner_precompiled(&self) -> bool {
        self.inner.launcher.runner_code.is_some()
    }

    /// Whether Landlock is fully enforced on this kernel.
    pub fn landlock_fully_enforced(&self) -> bool {
        self.inner.launcher.landlock.fully_enforced
    }

    /// Runs one job to completion on the calling thread.
    pub fn run_blocking(&self, job: &Job) -> Result<RunOutput, SandboxError> {
        self.inner.run_blocking(job)
    }

    /// Number of pooled interpreters ready right now.
    pub fn pool_ready(&self) -> usize {
        self.inner.pool.as_ref().map_or(0, |p| p.ready())
    }
}

impl Backend for LocalBackend {
    fn name(&self) -> &'static str {
        "local"
    }

    fn describe(&self) -> String {
        LocalBackend::describe(self)
    }

    fn gauges(&self) -> Vec<crate::sandbox::Gauge> {
        let Some(f) = &self.inner.fork_server else {
            return Vec::new();
        };
        vec![
            (
                "pywarden_sandbox_fork_server_up",
                "1 while the fork server runs; 0 while it restarts (runs start cold).",
                f64::from(u8::from(f.running())),
            ),
            (
                "pywarden_sandbox_fork_server_starts",
                "Fork servers started since the server started (above 1: one died and was restarted).",
                f.starts() as f64,
            ),
        ]
    }

    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<RunOutput, SandboxError>> {
        let inner = self.inner.clone();
        let job = job.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || inner.run_blocking(&job))
                .await
                .map_err(|e| SandboxError::Io(std::io::Error::other(e.to_string())))?
        })
    }

    fn blocks_natively(&self) -> bool {
        true
    }

    fn run_blocking(&self, job: &Job) -> Result<RunOutput, SandboxError> {
        self.inner.run_blocking(job)
    }
}
