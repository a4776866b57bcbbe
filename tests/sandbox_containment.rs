//! Containment suite: hostile payloads against the local sandbox with the static gate OFF and
//! the runner's in-interpreter guards OFF, so the kernel layers (Landlock, seccomp, rlimits,
//! uid/capabilities, the parent's wall-clock kill and output cap) hold on their own.
//!
//! Every payload prints what it observed and the test asserts that exact observation (e.g.
//! `denied 13`), plus what the test itself can see from outside (its listener got nothing, the
//! canary was not read, no process of the run is left in the run's pids cgroup).
//!
//! Outer guard: every backend here puts each run in its own pids cgroup (`pids.max` small), so
//! a bomb cannot take the machine down even if the sandbox had a bug, and every run has a
//! wall-clock limit. The suite runs twice: as root (the sandbox switches to uid 65534) and,
//! through `nonroot_mode_contains_every_payload`, as uid 65534 itself (no uid switch possible,
//! `/usr/bin/python3.11`), which re-executes this test binary under `setpriv` with
//! RLIMIT_NPROC as an extra guard.

use std::io::ErrorKind;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::sandbox::{Job, RunOutput, SandboxConfig, Termination};

/// Read as `crate::FORK_SERVER` by `sandbox_support` (see there): cold starts here.
#[allow(dead_code)]
const FORK_SERVER: bool = false;

#[path = "sandbox_support/mod.rs"]
mod sandbox_support;
use sandbox_support::options;

const INNER_ENV: &str = "PYWARDEN_CONTAINMENT_INNER";
const CGROUP_ENV: &str = "PYWARDEN_CONTAINMENT_CGROUP";
const PIDS_ROOT: &str = "/sys/fs/cgroup/pids";

fn euid() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

/// A pids cgroup owned by one test (removed on drop).
struct TestCgroup {
    path: PathBuf,
    remove: bool,
}

impl TestCgroup {
    fn new(name: &str) -> Option<Self> {
        if let Ok(p) = std::env::var(CGROUP_ENV) {
            // Inner (non-root) mode: a cgroup prepared and owned for us by the outer test.
            let path = PathBuf::from(p).join(name);
            std::fs::create_dir(&path).ok()?;
            std::fs::write(path.join("pids.max"), "128").ok()?;
            return Some(Self { path, remove: true });
        }
        if euid() != 0 || !Path::new(PIDS_ROOT).join("cgroup.procs").exists() {
            return None;
        }
        let path =
            Path::new(PIDS_ROOT).join(format!("pywarden-test-{}-{name}", std::process::id()));
        std::fs::create_dir(&path).ok()?;
        std::fs::write(path.join("pids.max"), "128").ok()?;
        Some(Self { path, remove: true })
    }

    fn procs(&self) -> Vec<String> {
        let mut all = Vec::new();
        collect_procs(&self.path, &mut all);
        all
    }
}

fn collect_procs(dir: &Path, out: &mut Vec<String>) {
    if let Ok(s) = std::fs::read_to_string(dir.join("cgroup.procs")) {
        out.extend(s.lines().map(str::to_string));
    }
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                collect_procs(&e.path(), out);
            }
        }
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_dir(&self.path);
        }
    }
}

/// One test's world: a backend whose runs live in a pids cgroup, a canary outside scratch.
struct Harness {
    backend: LocalBackend,
    cgroup: Option<TestCgroup>,
    dir: tempfile::TempDir,
    canary: PathBuf,
    secret: String,
}

impl Harness {
    fn new(name: &str) -> Self {
        Self::with(name, |_| {})
    }

    fn with(name: &str, f: impl FnOnce(&mut LocalOptions)) -> Self {
        let cgroup = TestCgroup::new(name);
        let inner = std::env::var(INNER_ENV).is_ok();
        if inner || euid() == 0 {
            assert!(
                cgroup.is_some(),
                "the outer pids-cgroup guard could not be set up"
            );
        }
        let mut opts = LocalOptions {
            pids_cgroup: cgroup.as_ref().map(|c| c.path.clone()),
            max_pids: 16,
            max_file_bytes: 1024 * 1024,
            ..options()
        };
        if euid() != 0 {
            opts.interpreter = Some(PathBuf::from("/usr/bin/python3.11"));
        }
        f(&mut opts);
        let backend = LocalBackend::new(opts).expect("local backend");
        assert!(backend.landlock_fully_enforced(), "{}", backend.describe());
        // Canary: world-readable file in a world-writable dir, so only the sandbox stops access.
        let dir = tempfile::Builder::new()
            .prefix("pywarden-canary-")
            .tempdir()
            .expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
            .expect("chmod");
        let secret = format!("CANARY-{}-{name}", std::process::id());
        let canary = dir.path().join("canary.txt");
        std::fs::write(&canary, &secret).expect("canary");
        std::fs::set_permissions(&canary, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        Self {
            backend,
            cgroup,
            dir,
            canary,
            secret,
        }
    }

    fn run_cfg(&self, code: &str, f: impl FnOnce(&mut SandboxConfig)) -> RunOutput {
        let mut config = SandboxConfig {
            timeout: Duration::from_secs(5),
            runtime_guards: false,
            ..SandboxConfig::default()
        };
        f(&mut config);
        let job = Job {
            code: code.to_string(),
            context: None,
            config,
        };
        let out = self.backend.run_blocking(&job).expect("run");
        assert!(!out.stdout.contains(&self.secret), "canary leaked: {out:?}");
        assert!(!out.stderr.contains(&self.secret), "canary leaked: {out:?}");
        if let Some(cg) = &self.cgroup {
            assert_eq!(
                cg.procs(),
                Vec::<String>::new(),
                "a process outlived the run"
            );
        }
        out
    }

    fn run(&self, code: &str) -> RunOutput {
        self.run_cfg(code, |_| {})
    }

    fn canary(&self) -> String {
        format!("{:?}", self.canary.display().to_string())
    }
}

fn assert_stdout(o: &RunOutput, want: &str) {
    assert_eq!(o.stdout, want, "stderr: {}\n{o:?}", o.stderr);
    assert_eq!(o.termination, Some(Termination::Exited), "{o:?}");
}

// ---------------------------------------------------------------------------------------------
// The payloads. Each is a plain function so the non-root pass can run the very same list.

fn canary_read(h: &Harness) {
    let code = format!(
        "try:\n    print('LEAKED', open({c}).read())\nexcept OSError as e:\n    print('denied', e.errno)",
        c = h.canary()
    );
    assert_stdout(&h.run(&code), "denied 13\n");
}

fn list_root_and_outside(h: &Harness) {
    let code = format!(
        "import os\nfor d in ['/root', '/', {d:?}, '/home']:\n    try:\n        print(d, os.listdir(d))\n    except OSError as e:\n        print('denied', e.errno)",
        d = h.dir.path().display().to_string()
    );
    assert_stdout(
        &h.run(&code),
        "denied 13\ndenied 13\ndenied 13\ndenied 13\n",
    );
}

fn environment_is_cleared(h: &Harness) {
    let code = "import os\nprint(sorted(os.environ))\nprint(os.environ['TMPDIR'] == os.getcwd() == os.environ['HOME'])\n\
                for p in ['/proc/self/environ', '/proc/%d/environ' % os.getppid()]:\n    try:\n        open(p, 'rb').read(); print('read')\n    except OSError as e:\n        print('denied', e.errno)";
    assert_stdout(
        &h.run(code),
        "['HOME', 'LANG', 'TMPDIR']\nTrue\ndenied 13\ndenied 13\n",
    );
}

fn tcp_connect_refused(h: &Harness) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let code = format!(
        "import socket\ntry:\n    s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    s.sendall(b'x'); print('connected')\nexcept OSError as e:\n    print('denied', e.errno)"
    );
    assert_stdout(&h.run(&code), "denied 1\n");
    match listener.accept() {
        Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock),
        Ok((_, peer)) => panic!("the listener saw a connection from {peer}"),
    }
}

fn udp_send_refused(h: &Harness) {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_nonblocking(true).expect("nonblocking");
    let port = sock.local_addr().expect("addr").port();
    let code = format!(
        "import socket\ntry:\n    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    s.sendto(b'leak', ('127.0.0.1', {port})); print('sent')\nexcept OSError as e:\n    print('denied', e.errno)\n\
         try:\n    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); print('created')\nexcept OSError as e:\n    print('denied', e.errno)"
    );
    assert_stdout(&h.run(&code), "denied 1\ndenied 1\n");
    let mut buf = [0u8; 64];
    match sock.recv_from(&mut buf) {
        Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock),
        Ok((n, peer)) => panic!("the UDP listener received {n} bytes from {peer}"),
    }
}

fn abstract_unix_refused(h: &Harness) {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixListener};
    let name = format!("pywarden-test-{}-{}", std::process::id(), h.secret.len());
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).expect("addr");
    let listener = UnixListener::bind_addr(&addr).expect("bind abstract");
    listener.set_nonblocking(true).expect("nonblocking");
    let code = format!(
        "import socket\ns = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\ntry:\n    s.connect('\\0{name}'); s.sendall(b'x'); print('connected')\nexcept OSError as e:\n    print('denied', e.errno)"
    );
    assert_stdout(&h.run(&code), "denied 1\n");
    match listener.accept() {
        Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock),
        Ok(_) => panic!("the abstract socket listener saw a connection"),
    }
}

fn fork_bomb(h: &Harness) {
    let code = "import os\nn = 0\nerr = None\nfor i in range(10000):\n    try:\n        pid = os.fork()\n    except OSError as e:\n        err = e.errno\n        break\n    if pid == 0:\n        while True:\n            pass\n    n += 1\nprint('forked', n, 'errno', err)";
    assert_stdout(&h.run(code), "forked 0 errno 1\n");
}

fn thread_bomb(h: &Harness) {
    let code = "import threading, time\nn = 0\ntry:\n    while n < 100000:\n        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n        n += 1\nexcept (RuntimeError, MemoryError) as e:\n    print('stopped', type(e).__name__)\nprint('bounded', n < 2000)";
    let o = h.run(code);
    assert_stdout(&o, "stopped RuntimeError\nbounded True\n");
    assert!(o.execution_time_seconds < 5.0, "{o:?}");
}

fn memory_bomb(h: &Harness) {
    let o = h.run_cfg(
        "x = []\nwhile True:\n    x.append(bytearray(10 ** 7))",
        |c| c.max_memory_mb = 128,
    );
    assert_eq!(o.termination, Some(Termination::Memory), "{o:?}");
    assert_eq!(o.error_message.as_deref(), Some("MemoryError"));
    assert!(o.max_rss_kb < 128 * 1024, "{o:?}");
}

fn cpu_loop(h: &Harness) {
    let o = h.run_cfg("while True:\n    pass", |c| {
        c.timeout = Duration::from_millis(800)
    });
    assert_eq!(o.termination, Some(Termination::Timeout), "{o:?}");
    assert!((0.7..3.0).contains(&o.execution_time_seconds), "{o:?}");
    assert!(o.cpu_time_seconds > 0.01, "{o:?}");
}

fn output_flood(h: &Harness) {
    let o = h.run_cfg(
        "import sys\nwhile True:\n    sys.stdout.write('A' * 65536)",
        |c| c.max_output_bytes = 100_000,
    );
    assert_eq!(o.termination, Some(Termination::OutputLimit), "{o:?}");
    assert!(o.truncated);
    assert_eq!(o.stdout.len() + o.stderr.len(), 100_000);
}

fn huge_file_in_scratch(h: &Harness) {
    let code = "import os\ntry:\n    with open('big', 'wb') as f:\n        for i in range(100):\n            f.write(b'x' * 1024 * 1024)\n            f.flush()\n    print('wrote all')\nexcept OSError as e:\n    print('stopped', e.errno)\nprint(os.path.getsize('big') <= 1024 * 1024)";
    assert_stdout(&h.run(code), "stopped 27\nTrue\n");
}

fn write_outside_scratch(h: &Harness) {
    let target = h.dir.path().join("escaped.txt");
    let code = format!(
        "for p in [{t:?}, '/tmp/pywarden-escaped.txt', '/dev/shm/pywarden-escaped']:\n    try:\n        open(p, 'w').write('x'); print('wrote', p)\n    except OSError as e:\n        print('denied', e.errno)\ntry:\n    open({c}, 'a').write('tampered'); print('appended')\nexcept OSError as e:\n    print('denied', e.errno)",
        t = target.display().to_string(),
        c = h.canary()
    );
    assert_stdout(
        &h.run(&code),
        "denied 13\ndenied 13\ndenied 13\ndenied 13\n",
    );
    assert!(!target.exists());
    assert_eq!(
        std::fs::read_to_string(&h.canary).expect("canary"),
        h.secret
    );
}

fn symlink_and_hardlink_to_canary(h: &Harness) {
    let code = format!(
        "import os\nos.symlink({c}, 'sym')\ntry:\n    print('LEAKED', open('sym').read())\nexcept OSError as e:\n    print('symlink denied', e.errno)\ntry:\n    os.link({c}, 'hard')\n    print('LEAKED', open('hard').read())\nexcept OSError as e:\n    print('hardlink denied', e.errno in (1, 13, 18))",
        c = h.canary()
    );
    assert_stdout(&h.run(&code), "symlink denied 13\nhardlink denied True\n");
}

fn kill_parent(h: &Harness) {
    let code = "import os, signal\nfor sig in (0, signal.SIGKILL):\n    try:\n        os.kill(os.getppid(), sig); print('signalled')\n    except OSError as e:\n        print('denied', e.errno)\ntry:\n    os.kill(1, signal.SIGTERM); print('signalled init')\nexcept OSError as e:\n    print('denied', e.errno)";
    assert_stdout(&h.run(code), "denied 1\ndenied 1\ndenied 1\n");
}

fn spawn_shell(h: &Harness) {
    let code = "import os, subprocess\ntry:\n    print(subprocess.run(['/bin/sh', '-c', 'echo pwned'], capture_output=True).stdout)\nexcept OSError as e:\n    print('subprocess denied', e.errno)\ntry:\n    os.system('echo pwned')\nexcept OSError as e:\n    print('system', e.errno)\ntry:\n    os.execv('/bin/sh', ['sh', '-c', 'echo pwned'])\nexcept OSError as e:\n    print('exec denied', e.errno)";
    let o = h.run(code);
    assert!(!o.stdout.contains("pwned"), "{o:?}");
    assert!(o.stdout.starts_with("subprocess denied 1\n"), "{o:?}");
    assert!(o.stdout.ends_with("exec denied 13\n"), "{o:?}");
}

fn proc_1_environ(h: &Harness) {
    let code = "for p in ['/proc/1/environ', '/proc/1/cmdline', '/proc/self/status']:\n    try:\n        open(p, 'rb').read(); print('read', p)\n    except OSError as e:\n        print('denied', e.errno)";
    assert_stdout(&h.run(code), "denied 13\ndenied 13\ndenied 13\n");
}

#[cfg(target_arch = "x86_64")]
fn ctypes_raw_syscalls(h: &Harness) {
    // x86-64 numbers: socket(AF_INET), fork, unshare(CLONE_NEWUSER|CLONE_NEWNET), bpf,
    // ptrace(PTRACE_TRACEME), io_uring_setup, userfaultfd, keyctl, mount, clone(SIGCHLD),
    // socket(AF_NETLINK), perf_event_open, and the x32 alias of socket.
    let code = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n\
                calls = [(41, 2, 1, 0), (57,), (272, 0x10000000 | 0x40000000), (321, 0, 0, 0), (101, 0, 0, 0, 0),\n\
                         (425, 8, 0), (323, 0), (250, 0), (165, 0, 0, 0, 0, 0), (56, 17, 0, 0, 0, 0), (41, 16, 3, 0),\n\
                         (298, 0, 0, -1, -1, 0), (0x40000000 | 41, 2, 1, 0)]\n\
                out = []\nfor c in calls:\n    ctypes.set_errno(0)\n    r = libc.syscall(*[ctypes.c_long(x) for x in c])\n    out.append((r, ctypes.get_errno()))\nprint(out)";
    let o = h.run(code);
    // The x32 alias fails with EPERM from our filter where the x32 ABI is on, and with ENOSYS
    // from the kernel where it is off (the filter then leaves the aliases out): never succeeds.
    let x32_errno = match pywarden::sandbox::local::seccomp::x32_reachable() {
        true => 1,
        false => libc::ENOSYS,
    };
    let mut want = vec!["(-1, 1)".to_string(); 12];
    want.push(format!("(-1, {x32_errno})"));
    assert_stdout(&o, &format!("[{}]\n", want.join(", ")));
}

#[cfg(target_arch = "x86_64")]
fn unshare_namespaces(h: &Harness) {
    let code = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nfor flags in (0x10000000, 0x40000000, 0x20000000, 0x00020000):\n    r = libc.unshare(flags)\n    print(r, ctypes.get_errno())";
    assert_stdout(&h.run(code), "-1 1\n-1 1\n-1 1\n-1 1\n");
}

fn raise_rlimits(h: &Harness) {
    let code = "import resource as r\nfor lim in (r.RLIMIT_AS, r.RLIMIT_CPU, r.RLIMIT_NOFILE, r.RLIMIT_FSIZE, r.RLIMIT_NPROC):\n    before = r.getrlimit(lim)\n    try:\n        r.setrlimit(lim, (r.RLIM_INFINITY, r.RLIM_INFINITY)); print('raised')\n    except (ValueError, OSError) as e:\n        print('denied', r.getrlimit(lim) == before)";
    let o = h.run(code);
    // NPROC may already be unlimited (root mode): setting it to infinity is then a no-op.
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(&lines[..4], &["denied True"; 4], "{o:?}");
}

fn setsid_grandchild_is_killed(h: &Harness) {
    let code = "import os\ntry:\n    pid = os.fork()\nexcept OSError as e:\n    print('fork denied', e.errno)\nelse:\n    if pid == 0:\n        os.setsid()\n        import time\n        time.sleep(600)\n        os._exit(0)\n    print('grandchild', pid)";
    assert_stdout(&h.run(code), "fork denied 1\n");
}

/// Runs every payload on one harness per payload.
/// A named payload check.
type Payload = (&'static str, fn(&Harness));

fn all_payloads() -> Vec<Payload> {
    let mut v: Vec<Payload> = vec![
        ("canary_read", canary_read),
        ("list_root", list_root_and_outside),
        ("environment", environment_is_cleared),
        ("tcp", tcp_connect_refused),
        ("udp", udp_send_refused),
        ("abstract_unix", abstract_unix_refused),
        ("fork_bomb", fork_bomb),
        ("thread_bomb", thread_bomb),
        ("memory_bomb", memory_bomb),
        ("cpu_loop", cpu_loop),
        ("output_flood", output_flood),
        ("huge_file", huge_file_in_scratch),
        ("write_outside", write_outside_scratch),
        ("links", symlink_and_hardlink_to_canary),
        ("kill_parent", kill_parent),
        ("spawn_shell", spawn_shell),
        ("proc_environ", proc_1_environ),
        ("raise_rlimits", raise_rlimits),
        ("setsid", setsid_grandchild_is_killed),
    ];
    #[cfg(target_arch = "x86_64")]
    {
        v.push(("ctypes", ctypes_raw_syscalls));
        v.push(("unshare", unshare_namespaces));
    }
    v
}

macro_rules! payload_tests {
    ($($name:ident => $f:path),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let h = Harness::new(stringify!($name));
                $f(&h);
            }
        )*
    };
}

payload_tests! {
    contains_canary_read => canary_read,
    contains_list_root => list_root_and_outside,
    contains_environment_leak => environment_is_cleared,
    contains_tcp_connect => tcp_connect_refused,
    contains_udp_send => udp_send_refused,
    contains_abstract_unix_connect => abstract_unix_refused,
    contains_fork_bomb => fork_bomb,
    contains_thread_bomb => thread_bomb,
    contains_memory_bomb => memory_bomb,
    contains_cpu_loop => cpu_loop,
    contains_output_flood => output_flood,
    contains_huge_file => huge_file_in_scratch,
    contains_write_outside_scratch => write_outside_scratch,
    contains_symlink_and_hardlink => symlink_and_hardlink_to_canary,
    contains_kill_parent => kill_parent,
    contains_spawn_shell => spawn_shell,
    contains_proc_1_environ => proc_1_environ,
    contains_raise_rlimits => raise_rlimits,
    contains_setsid_grandchild => setsid_grandchild_is_killed,
}

#[cfg(target_arch = "x86_64")]
payload_tests! {
    contains_ctypes_raw_syscalls => ctypes_raw_syscalls,
    contains_unshare => unshare_namespaces,
}

/// Whether `pid` exists and is not a zombie (an orphan waiting for init to reap it).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next());
            !matches!(state, Some("Z" | "X") | None)
        }
    }
}

/// With process creation allowed (seccomp off for fork/clone), the pids cgroup is what bounds
/// a fork bomb and what kills a grandchild that left the process group with `setsid`.
#[test]
fn cgroup_reaps_setsid_grandchild_when_forking_is_allowed() {
    if euid() != 0 && std::env::var(INNER_ENV).is_err() {
        return; // needs a cgroup: covered by the root run
    }
    let h = Harness::with("reap", |o| o.deny_process_creation = false);
    let code = "import os, time\nr, w = os.pipe()\npid = os.fork()\nif pid == 0:\n    os.setsid()\n    os.write(w, str(os.getpid()).encode())\n    time.sleep(600)\n    os._exit(0)\nprint(os.read(r, 32).decode())";
    let o = h.run(code); // run() asserts the cgroup is empty afterwards
    let pid: i32 = o.stdout.trim().parse().unwrap_or_else(|_| panic!("{o:?}"));
    assert!(!alive(pid), "setsid'd grandchild {pid} survived");
    // And the pids.max bound stops a real fork bomb.
    let bomb = "import os\nn = 0\nerr = None\nwhile n < 10000:\n    try:\n        pid = os.fork()\n    except OSError as e:\n        err = e.errno\n        break\n    if pid == 0:\n        import time\n        time.sleep(600)\n        os._exit(0)\n    n += 1\nprint(n < 16, err)";
    assert_stdout(&h.run(bomb), "True 11\n");
}

/// The same payload list, run by this test binary re-executed as uid 65534 (no root, no uid
/// switch: the usual deployment).
/// The full name of `inner_nonroot_pass` in this test binary (with its module path when this
/// file is a module of `sandbox_forkserver.rs`).
fn inner_test_name() -> String {
    match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::inner_nonroot_pass"),
        None => "inner_nonroot_pass".into(),
    }
}

#[test]
fn nonroot_mode_contains_every_payload() {
    if euid() != 0 || std::env::var(INNER_ENV).is_ok() {
        return; // the non-root pass itself is `inner_nonroot_pass`
    }
    let cg = TestCgroup::new("nonroot").expect("pids cgroup");
    for f in ["", "cgroup.procs", "tasks"] {
        let p = cg.path.join(f);
        std::os::unix::fs::chown(&p, Some(65534), Some(65534)).expect("chown cgroup");
    }
    let exe = std::env::current_exe().expect("exe");
    let out = std::process::Command::new("/usr/bin/prlimit")
        .arg("--nproc=512:512")
        .arg("/usr/bin/setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ])
        .arg(&exe)
        .args([
            "--exact",
            &inner_test_name(),
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .env(INNER_ENV, "1")
        .env(CGROUP_ENV, &cg.path)
        .env("PATH", "/usr/bin:/bin")
        .env("TMPDIR", "/tmp")
        .output()
        .expect("run the non-root pass");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "non-root pass failed:\n{text}");
    let n = all_payloads().len();
    assert!(
        text.contains(&format!("contained {n} payloads as uid 65534")),
        "{text}"
    );
}

#[test]
#[ignore = "run as uid 65534 by nonroot_mode_contains_every_payload"]
fn inner_nonroot_pass() {
    assert!(
        std::env::var(INNER_ENV).is_ok(),
        "only meaningful inside the non-root pass"
    );
    assert_eq!(euid(), 65534);
    let payloads = all_payloads();
    for (name, f) in &payloads {
        let h = Harness::new(name);
        f(&h);
        eprintln!("ok: {name}");
    }
    cgroup_reaps_setsid_grandchild_when_forking_is_allowed();
    println!("contained {} payloads as uid 65534", payloads.len());
}
