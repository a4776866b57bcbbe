//! Starting one sandboxed interpreter: `clone(CLONE_VM | CLONE_VFORK)` (as posix_spawn does),
//! then in the child only raw system calls (no allocation, the parent may be multi-threaded),
//! then `execve`.
//!
//! Child order: reset the signal mask; `setsid` (own session and process group, so the parent
//! can kill the whole group); move the pipes to fds 0–3 and mark every other fd close-on-exec;
//! `chdir` to the scratch dir; rlimits; drop the capability bounding set; when configured, switch
//! to an unprivileged uid/gid (no supplementary groups); `PR_SET_NO_NEW_PRIVS`; clear all
//! capability sets (so hard rlimits cannot be raised back) and ambient caps; parent-death
//! signal (SIGKILL); apply the Landlock
//! ruleset; install the seccomp filters (last: they deny nothing the steps above need); `execve`
//! with a cleared environment. Any failure is reported as (stage, errno) on a close-on-exec
//! pipe, which the parent reads before going on; EOF on it means `execve` succeeded.

use std::ffi::{CString, c_char};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use seccompiler::BpfProgram;

use crate::sandbox::SandboxError;

/// Everything the child needs, prepared in the parent (the child must not allocate).
pub struct Prepared {
    pub interpreter: CString,
    pub argv: Vec<CString>,
    pub envp: Vec<CString>,
    pub scratch: CString,
    /// `(resource, soft = hard)`.
    pub rlimits: Vec<(libc::__rlimit_resource_t, u64)>,
    /// Switch to this `(uid, gid)` (only when started as root).
    pub switch_to: Option<(u32, u32)>,
    pub landlock: Option<OwnedFd>,
    /// `<run cgroup>/cgroup.procs` to join (writing `0` moves the writer), if any.
    pub cgroup_procs: Option<CString>,
    /// An extra descriptor handed to the child as fd 4 (the fork server's control socket).
    pub extra_fd: Option<RawFd>,
}

/// A started interpreter: its pid (also its process-group and session id) and our pipe ends.
#[derive(Debug)]
pub struct Spawned {
    pub pid: libc::pid_t,
    pub pidfd: OwnedFd,
    pub stdin: Option<OwnedFd>,
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    pub result: OwnedFd,
    pub reaped: bool,
    /// Set when the process is a fork-server child: not our child, so its exit status comes
    /// from the fork server's report, and it is killed through its pidfd only.
    pub link: Option<super::zygote::Link>,
}

impl Spawned {
    /// A process just started: `pipes` are our ends of its stdin, stdout, stderr and result
    /// pipes; `link` is set for a fork-server child.
    pub fn new(
        pid: libc::pid_t,
        pidfd: OwnedFd,
        pipes: [OwnedFd; 4],
        link: Option<super::zygote::Link>,
    ) -> Self {
        let [stdin, stdout, stderr, result] = pipes;
        Self {
            pid,
            pidfd,
            stdin: Some(stdin),
            stdout,
            stderr,
            result,
            reaped: false,
            link,
        }
    }

    /// Kills the whole process group (the leader is not reaped yet, so the id is not reused).
    /// A fork-server child is killed through its pidfd, never by id: the fork server may
    /// have reaped it already, and its id could then name another process. (It has no other
    /// processes in its group: process creation is denied, or a pids cgroup reaps them.)
    pub fn kill_group(&self) {
        if self.link.is_some() {
            if !self.reaped {
                // SAFETY: a signal through a pidfd we hold.
                unsafe {
                    libc::syscall(
                        libc::SYS_pidfd_send_signal,
                        self.pidfd.as_raw_fd(),
                        libc::SIGKILL,
                        std::ptr::null::<libc::siginfo_t>(),
                        0u32,
                    );
                }
            }
            return;
        }
        if !self.reaped {
            // SAFETY: plain syscalls on a pid we own and have not reaped.
            unsafe {
                libc::kill(-self.pid, libc::SIGKILL);
                libc::kill(self.pid, libc::SIGKILL);
            }
        }
    }

    /// Reaps the leader, returning its wait status and resource usage.
    pub fn reap(&mut self) -> (i32, libc::rusage) {
        // SAFETY: zeroed rusage is a valid value; wait4 writes into our locals.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let mut status = 0;
        if !self.reaped
            && let Some(link) = &self.link
        {
            self.reaped = true;
            return link.wait(self.pid);
        }
        if !self.reaped {
            loop {
                let r = unsafe { libc::wait4(self.pid, &mut status, 0, &mut ru) };
                if r >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                    break;
                }
            }
            self.reaped = true;
        }
        (status, ru)
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if !self.reaped {
            self.kill_group();
            let _ = self.reap();
        }
    }
}

/// A close-on-exec pipe: (read end, write end).
pub(crate) fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 writes two fds into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both fds are fresh and owned by us.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

const STAGES: &[&str] = &[
    "?",
    "setsid",
    "dup fds",
    "dup2 fds",
    "chdir scratch",
    "setrlimit",
    "setgroups",
    "setresgid",
    "setresuid",
    "no_new_privs",
    "capset",
    "landlock_restrict_self",
    "seccomp",
    "execve",
    "joining the pids cgroup",
];

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}
#[repr(C)]
#[derive(Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const PR_CAPBSET_DROP: libc::c_int = 24;
const PR_SET_SECUREBITS: libc::c_int = 28;
const PR_CAP_AMBIENT: libc::c_int = 47;
const PR_CAP_AMBIENT_CLEAR_ALL: libc::c_ulong = 4;
const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
/// SECBIT_NOROOT | SECBIT_NO_SETUID_FIXUP | SECBIT_KEEP_CAPS_LOCKED | ... and their locks.
const SECUREBITS: libc::c_ulong = 0x2f;

/// Size of the stack the child runs on until `execve` (it makes only system calls).
const CHILD_STACK: usize = 256 * 1024;

thread_local! {
    /// The child stack of [`spawn`] on this thread (uninitialised memory: never read here).
    static CLONE_STACK: std::cell::RefCell<Box<[std::mem::MaybeUninit<u8>]>> =
        std::cell::RefCell::new(Box::new_uninit_slice(CHILD_STACK));
}

/// Forks and execs the sandboxed interpreter. The seccomp programs come last.
pub fn spawn(p: &Prepared, filters: &[BpfProgram]) -> Result<Spawned, SandboxError> {
    let (stdin_r, stdin_w) = pipe()?;
    let (stdout_r, stdout_w) = pipe()?;
    let (stderr_r, stderr_w) = pipe()?;
    let (result_r, result_w) = pipe()?;
    let (err_r, err_w) = pipe()?;

    let mut argv: Vec<*const c_char> = p.argv.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const c_char> = p.envp.iter().map(|a| a.as_ptr()).collect();
    envp.push(std::ptr::null());
    let fprogs: Vec<libc::sock_fprog> = filters
        .iter()
        .map(|f| libc::sock_fprog {
            len: f.len() as u16,
            filter: f.as_ptr() as *mut libc::sock_filter,
        })
        .collect();
    let srcs = [
        stdin_r.as_raw_fd(),
        stdout_w.as_raw_fd(),
        stderr_w.as_raw_fd(),
        result_w.as_raw_fd(),
    ];
    let err_fd = err_w.as_raw_fd();
    let landlock_fd = p.landlock.as_ref().map(|f| f.as_raw_fd());
    let extra_fd = p.extra_fd;
    // SAFETY: getpid cannot fail.
    let parent = unsafe { libc::getpid() };

    let args = Child {
        p,
        srcs: &srcs,
        err_fd,
        landlock_fd,
        extra_fd,
        fprogs: &fprogs,
        argv: &argv,
        envp: &envp,
        parent,
    };
    // `clone(CLONE_VM | CLONE_VFORK)`, like posix_spawn: no copy of the parent's page tables
    // (a fork of a large server costs milliseconds); the parent is suspended until the child
    // has exec'd or exited, so the child may read the data above. The child runs on its own
    // stack and only performs system calls.
    // The child's stack is this thread's reusable buffer: CLONE_VFORK keeps the thread
    // suspended while the child uses it, so one buffer per thread suffices, and reusing it
    // spares a 256 KiB zeroed allocation per run (a memset and page faults, seen in perf).
    let pid = CLONE_STACK.with(|stack| {
        let mut stack = stack.borrow_mut();
        // SAFETY: the stack grows down from its (16-byte aligned) top, within the buffer;
        // the child only writes to it (never read as Rust values here); `args` and the
        // buffer outlive the child's use of them because CLONE_VFORK suspends us until exec
        // or exit.
        unsafe {
            let top = stack.as_mut_ptr().add(stack.len()).cast::<u8>();
            let top = top.sub(top as usize % 16);
            libc::clone(
                child_entry,
                top.cast(),
                libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
                (&args as *const Child<'_>).cast_mut().cast(),
            )
        }
    });
    if pid < 0 {
        return Err(SandboxError::Io(std::io::Error::last_os_error()));
    }
    drop((stdin_r, stdout_w, stderr_w, result_w, err_w));
    let mut buf = [0u8; 8];
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: reading into our buffer.
        let n = unsafe {
            libc::read(
                err_r.as_raw_fd(),
                buf[got..].as_mut_ptr().cast(),
                buf.len() - got,
            )
        };
        if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        if n <= 0 {
            break;
        }
        got += n as usize;
    }
    // SAFETY: pidfd_open on our unreaped child.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let reap_now = || {
        let mut st = 0;
        // SAFETY: reaping our own child.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, &mut st, 0);
        }
    };
    if got > 0 {
        reap_now();
        let stage = u32::from_ne_bytes(buf[0..4].try_into().unwrap_or([0; 4])) as usize;
        let errno = i32::from_ne_bytes(buf[4..8].try_into().unwrap_or([0; 4]));
        let what = STAGES.get(stage).copied().unwrap_or("?");
        let err = std::io::Error::from_raw_os_error(errno);
        return Err(SandboxError::Unavailable(format!(
            "sandbox setup failed in the child at {what}: {err}"
        )));
    }
    if pidfd < 0 {
        let e = std::io::Error::last_os_error();
        reap_now();
        return Err(SandboxError::Io(e));
    }
    // SAFETY: fresh fd from pidfd_open.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as RawFd) };
    Ok(Spawned::new(
        pid,
        pidfd,
        [stdin_w, stdout_r, stderr_r, result_r],
        None,
    ))
}

/// Everything the child side reads (prepared before `fork`).
#[derive(Clone, Copy)]
struct Child<'a> {
    p: &'a Prepared,
    srcs: &'a [RawFd; 4],
    err_fd: RawFd,
    landlock_fd: Option<RawFd>,
    extra_fd: Option<RawFd>,
    fprogs: &'a [libc::sock_fprog],
    argv: &'a [*const c_char],
    envp: &'a [*const c_char],
    parent: libc::pid_t,
}

extern "C" fn child_entry(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the `Child` passed to clone, alive while the parent is suspended.
    unsafe { child(&*(arg as *const Child<'_>)) }
}

/// The child side. Never returns.
unsafe fn child(c: &Child<'_>) -> ! {
    let Child {
        p,
        srcs,
        err_fd,
        landlock_fd,
        extra_fd,
        fprogs,
        argv,
        envp,
        parent,
    } = *c;
    unsafe {
        // Move the error pipe and the ruleset fd above 0-3 before the dup2s below.
        let err_fd = {
            let fd = libc::fcntl(err_fd, libc::F_DUPFD_CLOEXEC, 16);
            if fd < 0 { libc::_exit(127) } else { fd }
        };
        let fail = |stage: u32| -> ! {
            let errno = *libc::__errno_location();
            let mut msg = [0u8; 8];
            msg[0..4].copy_from_slice(&stage.to_ne_bytes());
            msg[4..8].copy_from_slice(&errno.to_ne_bytes());
            libc::write(err_fd, msg.as_ptr().cast(), 8);
            libc::_exit(127)
        };
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        if libc::setsid() < 0 {
            fail(1);
        }
        // A copy of `fd` at 16 or above (clear of 0–4, which the dup2s below overwrite).
        let high_copy = |fd: RawFd| -> RawFd {
            let h = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 16);
            if h < 0 {
                fail(2);
            }
            h
        };
        let landlock_fd = landlock_fd.map(high_copy);
        if let Some(procs) = &p.cgroup_procs {
            let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
            if fd < 0 || libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                fail(14);
            }
            libc::close(fd);
        }
        let high = srcs.map(high_copy);
        let extra = extra_fd.map(high_copy);
        for (i, &fd) in high.iter().enumerate() {
            if libc::dup2(fd, i as RawFd) < 0 {
                fail(3);
            }
        }
        let mut first_closed = 4u32;
        if let Some(h) = extra {
            if libc::dup2(h, 4) < 0 {
                fail(3);
            }
            first_closed = 5;
        }
        if libc::syscall(
            libc::SYS_close_range,
            first_closed,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        ) != 0
        {
            for fd in first_closed as RawFd..4096 {
                libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            }
        }
        if libc::chdir(p.scratch.as_ptr()) != 0 {
            fail(4);
        }
        for &(res, v) in &p.rlimits {
            let lim = libc::rlimit {
                rlim_cur: v,
                rlim_max: v,
            };
            if libc::setrlimit(res, &lim) != 0 {
                fail(5);
            }
        }
        // Drop the bounding set (needs CAP_SETPCAP: fails harmlessly when unprivileged).
        for cap in 0..64 {
            libc::prctl(PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0);
        }
        libc::prctl(PR_SET_SECUREBITS, SECUREBITS, 0, 0, 0);
        if let Some((uid, gid)) = p.switch_to {
            // Raw system calls, not glibc's wrappers: those broadcast the change to every
            // thread of the process (SIGRT_1 and futexes on the parent's thread structures,
            // which this child shares) — the parent keeps its ids, only this task switches.
            if libc::syscall(libc::SYS_setgroups, 0, std::ptr::null::<libc::gid_t>()) != 0 {
                fail(6);
            }
            if libc::syscall(libc::SYS_setresgid, gid, gid, gid) != 0 {
                fail(7);
            }
            if libc::syscall(libc::SYS_setresuid, uid, uid, uid) != 0 {
                fail(8);
            }
        }
        // Die with the thread that started us (set after the uid switch, which clears it).
        // That thread waits for us (run) or lives as long as the pool (warm pool), so this
        // only fires when the parent process dies.
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        );
        if libc::getppid() != parent {
            libc::_exit(127);
        }
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            fail(9);
        }
        let hdr = CapHeader {
            version: LINUX_CAPABILITY_VERSION_3,
            pid: 0,
        };
        let data = [CapData {
            effective: 0,
            permitted: 0,
            inheritable: 0,
        }; 2];
        if libc::syscall(libc::SYS_capset, &hdr, data.as_ptr()) != 0 {
            fail(10);
        }
        libc::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        if let Some(fd) = landlock_fd
            && libc::syscall(libc::SYS_landlock_restrict_self, fd, 0u32) != 0
        {
            fail(11);
        }
        for prog in fprogs {
            if libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                0u32,
                prog as *const libc::sock_fprog,
            ) != 0
            {
                fail(12);
            }
        }
        libc::execve(p.interpreter.as_ptr(), argv.as_ptr(), envp.as_ptr());
        fail(13)
    }
}
