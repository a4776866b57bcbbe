//! Fork server ("zygote"): one sandboxed interpreter, started once, that forks a child per
//! job, so a run costs a `fork` of an initialised interpreter instead of an interpreter start
//! (CPython's start-up is most of a cold run's CPU).
//!
//! The fork server is started like any run (see [`super::spawn`]: own session, fds, rlimits,
//! unprivileged uid, no capabilities, no-new-privs) under its own Landlock layer — the same
//! read grants as a run, with read-write beneath a fork-server root directory (mode 0711,
//! owned by the server's user) that holds the runs' scratch directories — and the seccomp
//! deny-list without the process-creation rule, so that it can fork. Its program is the
//! runner's definitions plus `zygote.py`.
//!
//! Per job the server creates the scratch directory (owned by the sandbox uid), builds the
//! job's Landlock ruleset (the run grants, its own scratch directory only) and four pipes,
//! and sends the descriptors over a `SOCK_SEQPACKET` control socket. The fork server forks;
//! the child, before it reads anything, enters its own session, moves the pipes to fds 0–3,
//! enters its scratch directory, sets the job's CPU, address-space and open-file limits and a
//! parent-death signal, applies the job's Landlock ruleset as a second layer (so sibling jobs
//! cannot read, write, signal or trace each other, and the fork server is outside its
//! domain), installs the process-creation seccomp filter and closes every other descriptor.
//! Then it reads its job from stdin exactly as a cold-started runner does. The fork server
//! never receives a job's code or context, so no job's data is in the memory later jobs
//! inherit. Any set-up failure is reported as a `SandboxError` before the job is read (fail
//! closed).
//!
//! The fork server replies with the child's pid and a pidfd (so the server can poll and kill
//! it without a pid-reuse race), and reports each child's wait status and resource usage when
//! it has reaped it. A reader thread, which also started the fork server (its parent-death
//! signal follows that thread), routes replies and reports and restarts the fork server if
//! it dies; children of a dead fork server die with it (parent-death signal), and their runs
//! end as killed. While it is down, runs start cold.
//!
//! What is shared between jobs, by construction: the interpreter's initial heap (no job data,
//! see above), its address-space layout (ASLR is per fork server, not per run: restarting the
//! server re-randomises) and its string-hash secret. Jobs are isolated from each other by the
//! kernel exactly as cold-started runs are: separate processes, separate Landlock domains,
//! separate scratch directories.

use std::collections::HashMap;
use std::ffi::CString;
use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use ::landlock::CompatLevel;
use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, SocketFlags, SocketType,
};

use super::spawn::{self, Prepared, Spawned, pipe};
use super::{Launcher, RunCgroup, Scratch, Started, cpu_limit, cstr, landlock, seccomp};
use crate::sandbox::{SandboxConfig, SandboxError};

/// The fork server's own program (appended to the runner's definitions).
const ZYGOTE: &str = include_str!("zygote.py");

/// How long the fork server may take to start, or to answer one request.
const START_TIMEOUT: Duration = Duration::from_secs(20);
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a run's exit report may lag behind its exit.
const REPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The fork server's source: the runner's definitions (without its final call), then the
/// fork server's, then the call that starts it.
pub fn source(child_filter: &[u8]) -> String {
    let runner = super::RUNNER
        .trim_end()
        .strip_suffix("_pywarden_main()")
        .expect("runner.py ends with its entry call");
    format!(
        "_pywarden_base = frozenset(__import__('sys').modules)\n{runner}\n{ZYGOTE}\n\
         _pywarden_zygote(_pywarden_base, bytes.fromhex('{}'), {})\n",
        hex::encode(child_filter),
        libc::SYS_landlock_restrict_self
    )
}

struct State {
    /// The control socket of the running fork server.
    conn: Option<Arc<OwnedFd>>,
    /// Bumped whenever a fork server starts or ends: replies and reports of an older one are
    /// void, and the runs it started ended with it.
    generation: u64,
    reply: Option<Result<(libc::pid_t, OwnedFd), String>>,
    exits: HashMap<libc::pid_t, (i32, libc::rusage)>,
    shutdown: bool,
    /// How many fork servers were started (1 unless one died).
    starts: u64,
    /// The running fork server's pid.
    pid: Option<libc::pid_t>,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    cond: Condvar,
    /// One request at a time (each waits for its reply).
    request: Mutex<()>,
}

/// Ties a fork-server child to the reports of the fork server that started it.
#[derive(Clone)]
pub struct Link {
    shared: Arc<Shared>,
    generation: u64,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("generation", &self.generation)
            .finish()
    }
}

/// Wait status of a process killed by SIGKILL.
const KILLED: i32 = libc::SIGKILL;

impl Link {
    /// The child's wait status and resource usage, from the fork server's report. A child
    /// whose fork server died (or whose report does not come) counts as killed, with no
    /// usage known.
    pub fn wait(&self, pid: libc::pid_t) -> (i32, libc::rusage) {
        // SAFETY: an all-zero rusage is a valid value.
        let zero: libc::rusage = unsafe { std::mem::zeroed() };
        let deadline = Instant::now() + REPORT_TIMEOUT;
        let Ok(mut st) = self.shared.state.lock() else {
            return (KILLED, zero);
        };
        loop {
            if let Some(r) = st.exits.remove(&pid) {
                return r;
            }
            let now = Instant::now();
            if st.generation != self.generation || now >= deadline {
                return (KILLED, zero);
            }
            st = match self.shared.cond.wait_timeout(st, deadline - now) {
                Ok((g, _)) => g,
                Err(_) => return (KILLED, zero),
            };
        }
    }
}

/// The running fork server and its reader thread.
pub(crate) struct ForkServer {
    shared: Arc<Shared>,
    root: PathBuf,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ForkServer {
    /// Starts the fork server and waits until it is ready. Errors when it cannot start (the
    /// caller then runs without it).
    pub(crate) fn start(launcher: Arc<Launcher>) -> Result<Self, SandboxError> {
        if !launcher.landlock.fully_enforced {
            return Err(SandboxError::Unavailable(
                "the fork server runs only under a fully enforced Landlock".into(),
            ));
        }
        let root = tempfile::Builder::new()
            .prefix("pywarden-forkserver-")
            .tempdir_in(launcher.scratch_parent())?
            .keep();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o711))?;
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                conn: None,
                generation: 0,
                reply: None,
                exits: HashMap::new(),
                shutdown: false,
                starts: 0,
                pid: None,
            }),
            cond: Condvar::new(),
            request: Mutex::new(()),
        });
        let (first_tx, first_rx) = std::sync::mpsc::channel();
        let thread = {
            let shared = shared.clone();
            let root = root.clone();
            std::thread::Builder::new()
                .name("pywarden-forkserver".into())
                .spawn(move || serve(&shared, &launcher, &root, first_tx))?
        };
        let server = Self {
            shared,
            root,
            thread: Some(thread),
        };
        match first_rx.recv_timeout(START_TIMEOUT + Duration::from_secs(5)) {
            Ok(Ok(())) => Ok(server),
            Ok(Err(e)) => Err(SandboxError::Unavailable(format!(
                "the fork server did not start: {e}"
            ))),
            Err(_) => Err(SandboxError::Unavailable(
                "the fork server did not start in time".into(),
            )),
        }
    }

    /// How many times a fork server was started (1 unless one died and was restarted).
    pub(crate) fn starts(&self) -> u64 {
        self.shared.state.lock().map_or(0, |s| s.starts)
    }

    /// Whether a fork server is running now.
    pub(crate) fn running(&self) -> bool {
        self.shared.state.lock().is_ok_and(|s| s.conn.is_some())
    }

    /// The running fork server's pid (tests kill it to check the restart).
    pub(crate) fn pid(&self) -> Option<libc::pid_t> {
        self.shared.state.lock().ok()?.pid
    }

    /// Starts a child for one job. `Ok(None)`: no fork server is running right now (the
    /// caller starts the run cold).
    pub(crate) fn start_job(
        &self,
        launcher: &Launcher,
        config: &SandboxConfig,
    ) -> Result<Option<Started>, SandboxError> {
        launcher.check(config)?;
        if !self.running() {
            return Ok(None);
        }
        let scratch = Scratch::create(&self.root, launcher.switch_to)?;
        let dir = rustix::fs::open(
            &scratch.path,
            rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map_err(|e| SandboxError::Io(e.into()))?;
        let ruleset = landlock::build(
            &launcher.grants,
            &scratch.path,
            CompatLevel::HardRequirement,
        )
        .map_err(|e| {
            SandboxError::Unavailable(format!("{e}; refusing to run without the full sandbox"))
        })?;
        let cgroup = match &launcher.options.pids_cgroup {
            Some(parent) => Some(RunCgroup::create(parent, launcher.options.max_pids)?),
            None => None,
        };
        let (stdin_r, stdin_w) = pipe()?;
        let (stdout_r, stdout_w) = pipe()?;
        let (stderr_r, stderr_w) = pipe()?;
        let (result_r, result_w) = pipe()?;
        let cpu = cpu_limit(config);
        let mem = config.max_memory_mb.saturating_mul(1024 * 1024);
        let msg = format!(
            "R {cpu} {mem} {} {}",
            launcher.options.max_open_files,
            u8::from(ruleset.is_some())
        );
        let mut fds: Vec<BorrowedFd<'_>> = vec![
            stdin_r.as_fd(),
            stdout_w.as_fd(),
            stderr_w.as_fd(),
            result_w.as_fd(),
            dir.as_fd(),
        ];
        if let Some(r) = &ruleset {
            fds.push(r.as_fd());
        }
        let (pid, pidfd, generation) =
            {
                let _one =
                    self.shared.request.lock().map_err(|_| {
                        SandboxError::Unavailable("fork server lock poisoned".into())
                    })?;
                let (conn, generation) = {
                    let mut st = self.shared.state.lock().map_err(|_| {
                        SandboxError::Unavailable("fork server lock poisoned".into())
                    })?;
                    st.reply = None;
                    match &st.conn {
                        Some(c) => (c.clone(), st.generation),
                        None => return Ok(None),
                    }
                };
                let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(6))];
                let mut anc = SendAncillaryBuffer::new(&mut space);
                anc.push(SendAncillaryMessage::ScmRights(&fds));
                if rustix::net::sendmsg(
                    conn.as_fd(),
                    &[IoSlice::new(msg.as_bytes())],
                    &mut anc,
                    SendFlags::NOSIGNAL,
                )
                .is_err()
                {
                    // The fork server is gone; the reader thread notices and restarts it.
                    return Ok(None);
                }
                let deadline = Instant::now() + REPLY_TIMEOUT;
                let mut st =
                    self.shared.state.lock().map_err(|_| {
                        SandboxError::Unavailable("fork server lock poisoned".into())
                    })?;
                loop {
                    if st.generation != generation {
                        return Ok(None);
                    }
                    if let Some(r) = st.reply.take() {
                        match r {
                            Ok((pid, pidfd)) => break (pid, pidfd, generation),
                            Err(e) => {
                                return Err(SandboxError::Unavailable(format!(
                                    "the fork server could not start the run: {e}"
                                )));
                            }
                        }
                    }
                    let now = Instant::now();
                    if now >= deadline {
                        // A fork server that does not answer is restarted.
                        let _ = rustix::net::shutdown(conn.as_fd(), rustix::net::Shutdown::Both);
                        return Err(SandboxError::Unavailable(
                            "the fork server did not answer".into(),
                        ));
                    }
                    st = self
                        .shared
                        .cond
                        .wait_timeout(st, deadline - now)
                        .map_err(|_| SandboxError::Unavailable("fork server lock poisoned".into()))?
                        .0;
                }
            };
        drop(fds);
        drop((stdin_r, stdout_w, stderr_w, result_w, dir, ruleset));
        let link = Link {
            shared: self.shared.clone(),
            generation,
        };
        let pipes = [stdin_w, stdout_r, stderr_r, result_r];
        let mut spawned = Spawned::new(pid, pidfd, pipes, Some(link));
        if let Some(cg) = &cgroup {
            // The child waits for its job on stdin, so it is in the cgroup before any of the
            // job's code runs.
            if let Err(e) = std::fs::write(cg.path.join("cgroup.procs"), pid.to_string()) {
                spawned.kill_group();
                spawned.reap();
                return Err(SandboxError::Config(format!(
                    "cannot move the run into its pids cgroup: {e}"
                )));
            }
        }
        Ok(Some(Started {
            spawned,
            cgroup,
            scratch,
            cpu_limit_secs: cpu,
        }))
    }
}

impl Drop for ForkServer {
    fn drop(&mut self) {
        if let Ok(mut st) = self.shared.state.lock() {
            st.shutdown = true;
            if let Some(c) = &st.conn {
                let _ = rustix::net::shutdown(c.as_fd(), rustix::net::Shutdown::Both);
            }
        }
        self.shared.cond.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The reader thread: starts the fork server, routes its messages, restarts it when it ends.
fn serve(
    shared: &Arc<Shared>,
    launcher: &Launcher,
    root: &Path,
    first: std::sync::mpsc::Sender<Result<(), String>>,
) {
    let mut first = Some(first);
    let mut failures = 0u32;
    loop {
        if shared.state.lock().map_or(true, |s| s.shutdown) {
            return;
        }
        match launch(launcher, root) {
            Ok((process, conn)) => {
                let conn = Arc::new(conn);
                {
                    let Ok(mut st) = shared.state.lock() else {
                        return;
                    };
                    st.conn = Some(conn.clone());
                    st.pid = Some(process.pid);
                    st.generation += 1;
                    st.starts += 1;
                    if st.shutdown {
                        let _ = rustix::net::shutdown(conn.as_fd(), rustix::net::Shutdown::Both);
                    }
                }
                shared.cond.notify_all();
                if let Some(tx) = first.take() {
                    let _ = tx.send(Ok(()));
                }
                read_messages(shared, &conn);
                {
                    let Ok(mut st) = shared.state.lock() else {
                        return;
                    };
                    // Reports already received stay: a run that ended before the fork server
                    // did still collects its real status (each entry is removed by its reap).
                    st.conn = None;
                    st.pid = None;
                    st.generation += 1;
                    st.reply = None;
                }
                shared.cond.notify_all();
                drop(process);
                if shared.state.lock().map_or(true, |s| s.shutdown) {
                    return;
                }
                tracing::warn!("the fork server ended; restarting it");
                failures = 0;
            }
            Err(e) => {
                failures += 1;
                if let Some(tx) = first.take() {
                    let _ = tx.send(Err(e));
                    return;
                }
                tracing::warn!("the fork server cannot start: {e}");
                std::thread::sleep(Duration::from_millis(200 * u64::from(failures.min(25))));
            }
        }
    }
}

/// Reads replies and reports until the fork server's end of the socket closes.
fn read_messages(shared: &Shared, conn: &OwnedFd) {
    let mut buf = [0u8; 512];
    loop {
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(2))];
        let mut anc = RecvAncillaryBuffer::new(&mut space);
        let got = rustix::net::recvmsg(
            conn.as_fd(),
            &mut [IoSliceMut::new(&mut buf)],
            &mut anc,
            RecvFlags::CMSG_CLOEXEC,
        );
        let n = match got {
            Ok(r) if r.bytes > 0 => r.bytes.min(buf.len()),
            Err(rustix::io::Errno::INTR) => continue,
            _ => return,
        };
        let mut fds: Vec<OwnedFd> = Vec::new();
        for m in anc.drain() {
            if let RecvAncillaryMessage::ScmRights(it) = m {
                fds.extend(it);
            }
        }
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        let mut parts = text.split_ascii_whitespace();
        let Ok(mut st) = shared.state.lock() else {
            return;
        };
        match parts.next() {
            Some("P") => {
                let pid = parts.next().and_then(|p| p.parse().ok());
                st.reply = Some(match (pid, fds.pop()) {
                    (Some(pid), Some(fd)) => Ok((pid, fd)),
                    _ => Err(format!("malformed reply {text:?}")),
                });
            }
            Some("X") => st.reply = Some(Err(text[1..].trim().to_string())),
            Some("E") => {
                let v: Vec<i64> = parts.filter_map(|p| p.parse().ok()).collect();
                if let [pid, status, user_us, sys_us, maxrss] = v[..] {
                    // SAFETY: an all-zero rusage is a valid value.
                    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
                    ru.ru_utime.tv_sec = user_us / 1_000_000;
                    ru.ru_utime.tv_usec = user_us % 1_000_000;
                    ru.ru_stime.tv_sec = sys_us / 1_000_000;
                    ru.ru_stime.tv_usec = sys_us % 1_000_000;
                    ru.ru_maxrss = maxrss;
                    st.exits.insert(pid as libc::pid_t, (status as i32, ru));
                }
            }
            _ => {}
        }
        drop(st);
        shared.cond.notify_all();
    }
}

/// Starts one fork server and waits for its `READY`.
fn launch(launcher: &Launcher, root: &Path) -> Result<(Spawned, OwnedFd), String> {
    let (ours, theirs) = rustix::net::socketpair(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC,
        None,
    )
    .map_err(|e| format!("socketpair: {e}"))?;
    let ruleset = landlock::build(&launcher.grants, root, CompatLevel::HardRequirement)?;
    let x32 = launcher.filters.x32_aliases;
    let filters = seccomp::build(false, x32)?;
    let child_filter = match launcher.options.deny_process_creation {
        true => seccomp::program_bytes(&seccomp::process_filter(x32)?),
        false => Vec::new(),
    };
    let err = |e: SandboxError| e.to_string();
    let rp = root.as_os_str().as_bytes();
    // SAFETY: getrlimit writes into our local.
    let nofile_hard = unsafe {
        let mut l: libc::rlimit = std::mem::zeroed();
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut l);
        l.rlim_max
    };
    let interp = cstr(launcher.interpreter.path.as_os_str().as_bytes()).map_err(err)?;
    let prepared = Prepared {
        argv: vec![
            interp.clone(),
            cstr(b"-I").map_err(err)?,
            cstr(b"-S").map_err(err)?,
            cstr(b"-B").map_err(err)?,
            cstr(b"-c").map_err(err)?,
            CString::new(source(&child_filter)).map_err(|e| e.to_string())?,
        ],
        interpreter: interp,
        envp: vec![
            cstr(&[b"TMPDIR=", rp].concat()).map_err(err)?,
            cstr(&[b"HOME=", rp].concat()).map_err(err)?,
            cstr(b"LANG=C.UTF-8").map_err(err)?,
        ],
        scratch: cstr(rp).map_err(err)?,
        // No CPU or address-space limit on the fork server itself (it runs only its own
        // code); each child sets the job's.
        rlimits: vec![
            (libc::RLIMIT_FSIZE, launcher.options.max_file_bytes),
            (libc::RLIMIT_NOFILE, nofile_hard.min(4096)),
            (libc::RLIMIT_CORE, 0),
            (libc::RLIMIT_STACK, launcher.options.max_stack_bytes),
            (libc::RLIMIT_MEMLOCK, 0),
            (libc::RLIMIT_MSGQUEUE, 0),
        ],
        switch_to: launcher.switch_to,
        landlock: ruleset,
        cgroup_procs: None,
        extra_fd: Some(theirs.as_raw_fd()),
    };
    let mut process = spawn::spawn(&prepared, &filters.programs).map_err(err)?;
    drop(theirs);
    drop(process.stdin.take());
    let mut p = libc::pollfd {
        fd: ours.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let ready = unsafe { libc::poll(&mut p, 1, START_TIMEOUT.as_millis() as i32) } > 0;
    let mut buf = [0u8; 16];
    let n = match ready {
        true => rustix::io::read(&ours, &mut buf).unwrap_or(0),
        false => 0,
    };
    if &buf[..n] != b"READY" {
        process.kill_group();
        process.reap();
        let mut err = vec![0u8; 4096];
        let k = rustix::io::read(&process.stderr, &mut err).unwrap_or(0);
        let text = String::from_utf8_lossy(&err[..k]);
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!("it did not report ready ({last})"));
    }
    Ok((process, ours))
}
