//! The fork server (`LocalOptions::fork_server`): runs forked from one sandboxed interpreter
//! give what cold starts give, stay isolated from each other and from the fork server, leave
//! no job data in the fork server's memory, and survive the fork server's death.
//!
//! Besides the tests below, the local suites run here a second time with every run forked:
//! `sandbox_local.rs` (behaviour and limits), `sandbox_guards.rs` (the in-interpreter layer)
//! and `sandbox_containment.rs` (hostile payloads against the kernel layers alone, under a
//! pids-cgroup outer guard, as root and as uid 65534).

// Each included suite declares `sandbox_support` itself (it is also its own crate root), so the
// file is loaded once per suite here: three copies of one small function.
#![allow(clippy::duplicate_mod)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::sandbox::{Job, RunOutput, SandboxConfig, Termination};

/// Read by the included suites through `crate::FORK_SERVER`.
const FORK_SERVER: bool = true;

#[path = "sandbox_local.rs"]
mod local;

#[path = "sandbox_guards.rs"]
mod guards;

#[path = "sandbox_containment.rs"]
mod containment;

fn backend_with(f: impl FnOnce(&mut LocalOptions)) -> LocalBackend {
    let mut o = LocalOptions {
        fork_server: true,
        ..LocalOptions::default()
    };
    f(&mut o);
    let b = LocalBackend::new(o).expect("backend");
    assert!(b.fork_server_running(), "{}", b.describe());
    b
}

fn job(code: &str, f: impl FnOnce(&mut SandboxConfig)) -> Job {
    let mut config = SandboxConfig::default();
    f(&mut config);
    Job {
        code: code.into(),
        context: None,
        config,
    }
}

/// Where the run ran: its working directory, printed by the code.
fn cwd_of(b: &LocalBackend) -> String {
    let o = b
        .run_blocking(&job("import os\nprint(os.getcwd())", |c| {
            c.allowed_imports = vec!["os".into()]
        }))
        .expect("run");
    assert_eq!(o.exit_code, Some(0), "{o:?}");
    o.stdout.trim().to_string()
}

/// The same programs, cold and forked: same output, status, termination and message.
#[test]
fn forked_runs_match_cold_runs() {
    let cold = LocalBackend::new(LocalOptions::default()).expect("backend");
    let forked = backend_with(|_| {});
    assert!(
        forked.describe().ends_with(", fork server"),
        "{}",
        forked.describe()
    );
    assert!(!cold.describe().contains("fork server"));
    let cases: Vec<Job> = vec![
        job("print('hello')", |_| {}),
        job(
            "import sys\nprint('to stderr', file=sys.stderr)\nprint('out')",
            |c| c.allowed_imports = vec!["sys".into()],
        ),
        job("def f():\n    raise ValueError('bad value')\nf()", |_| {}),
        job("raise SystemExit(3)", |_| {}),
        job("import sys\nsys.exit('a message')", |c| {
            c.allowed_imports = vec!["sys".into()]
        }),
        job("x = (", |_| {}),
        job("import socket", |_| {}),
        job("open('/etc/passwd').read()", |_| {}),
        job("print('é ☃ 😀')\nprint(repr(context))", |_| {}),
        job("x = bytearray(400 * 1024 * 1024)", |c| c.max_memory_mb = 64),
        job("print('x' * 1000)", |c| c.max_output_bytes = 100),
        job("while True:\n    pass", |c| {
            c.timeout = Duration::from_millis(500)
        }),
        job("import os\nprint(sorted(os.environ))", |c| {
            c.allowed_imports = vec!["os".into()]
        }),
        job("import sys\nprint(sorted(sys.modules))", |c| {
            c.allowed_imports = vec!["sys".into()]
        }),
        job("import os\nprint(os.listdir('.'), os.getuid())", |c| {
            c.allowed_imports = vec!["os".into()]
        }),
        job(
            "import resource\nprint(resource.getrlimit(resource.RLIMIT_AS), resource.getrlimit(resource.RLIMIT_NOFILE))",
            |c| c.allowed_imports = vec!["resource".into()],
        ),
    ];
    for j in &cases {
        let a = cold.run_blocking(j).expect("cold run");
        let b = forked.run_blocking(j).expect("forked run");
        let key = |o: &RunOutput| {
            (
                o.stdout.clone(),
                o.stderr.clone(),
                // Past the output cap the run is killed, unless it already exited: a race
                // either way.
                o.exit_code.filter(|_| !o.truncated),
                o.termination,
                o.error_message.clone(),
                o.truncated,
            )
        };
        assert_eq!(key(&a), key(&b), "code {:?}", j.code);
    }
}

/// Two concurrent runs: the second can neither read nor list the first's scratch directory,
/// nor signal it, nor signal the fork server, read its memory or reopen its control socket
/// through `/proc`; the first finishes untouched. Kernel layers
/// only (runtime guards off, as for code that got past the gate and the guards).
#[test]
fn sibling_runs_and_the_fork_server_are_out_of_reach() {
    let b = std::sync::Arc::new(backend_with(|_| {}));
    let first = {
        let b = b.clone();
        std::thread::spawn(move || {
            b.run_blocking(&job(
                "import os, time\n\
                 open('secret.txt', 'w').write('SIBLING-SECRET')\n\
                 open('pid.txt', 'w').write(str(os.getpid()))\n\
                 time.sleep(4)\n\
                 print(open('secret.txt').read())",
                |c| c.runtime_guards = false,
            ))
            .expect("first run")
        })
    };
    // Find the first run's scratch directory and pid from outside (the test runs as root).
    let deadline = Instant::now() + Duration::from_secs(10);
    let (dir, pid) = loop {
        assert!(Instant::now() < deadline, "the first run did not start");
        let found = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("pywarden-forkserver-")
            })
            .flat_map(|root| {
                std::fs::read_dir(root.path())
                    .into_iter()
                    .flatten()
                    .flatten()
            })
            .map(|e| e.path())
            .find(|p| p.join("pid.txt").exists() && p.join("secret.txt").exists());
        if let Some(p) = found
            && let Ok(pid) = std::fs::read_to_string(p.join("pid.txt"))
            && !pid.is_empty()
        {
            break (p, pid);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let probe = format!(
        "import os, signal\n\
         def attempt(name, f):\n\
         \x20   try:\n\
         \x20       f()\n\
         \x20       print(name, 'ALLOWED')\n\
         \x20   except OSError as e:\n\
         \x20       print(name, 'denied', e.errno)\n\
         attempt('read', lambda: open({secret:?}).read())\n\
         attempt('list', lambda: os.listdir({dir:?}))\n\
         attempt('write', lambda: open({dir:?} + '/planted', 'w').write('x'))\n\
         attempt('kill sibling', lambda: os.kill({pid}, signal.SIGKILL))\n\
         attempt('kill fork server', lambda: os.kill(os.getppid(), signal.SIGKILL))\n\
         attempt('fork', lambda: os.fork())\n\
         attempt('fork server memory', lambda: open(f'/proc/{{os.getppid()}}/mem', 'rb').read(1))\n\
         attempt('fork server socket', lambda: os.open(f'/proc/{{os.getppid()}}/fd/4', os.O_RDWR))\n",
        secret = dir.join("secret.txt").display().to_string(),
        dir = dir.display().to_string(),
        pid = pid.trim(),
    );
    let o = b
        .run_blocking(&job(&probe, |c| c.runtime_guards = false))
        .expect("probe run");
    assert_eq!(
        o.stdout,
        "read denied 13\nlist denied 13\nwrite denied 13\nkill sibling denied 1\n\
         kill fork server denied 1\nfork denied 1\nfork server memory denied 13\n\
         fork server socket denied 13\n",
        "{o:?}"
    );
    let f = first.join().unwrap();
    assert_eq!(f.stdout, "SIBLING-SECRET\n", "{f:?}");
    assert_eq!(f.termination, Some(Termination::Exited));
    assert!(!dir.join("planted").exists());
    assert!(b.fork_server_running());
    assert_eq!(b.fork_server_starts(), 1);
}

/// Readable, writable mappings of a process, as (start, end).
fn writable_mappings(pid: i32) -> Vec<(u64, u64)> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("maps");
    maps.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let range = it.next()?;
            let perms = it.next()?;
            if !perms.starts_with("rw") {
                return None;
            }
            let (a, b) = range.split_once('-')?;
            Some((
                u64::from_str_radix(a, 16).ok()?,
                u64::from_str_radix(b, 16).ok()?,
            ))
        })
        .collect()
}

fn memory_contains(pid: i32, needle: &[u8]) -> bool {
    use std::os::unix::fs::FileExt;
    let mem = std::fs::File::open(format!("/proc/{pid}/mem")).expect("mem");
    for (start, end) in writable_mappings(pid) {
        let mut buf = vec![0u8; (end - start) as usize];
        let Ok(n) = mem.read_at(&mut buf, start) else {
            continue;
        };
        if buf[..n].windows(needle.len()).any(|w| w == needle) {
            return true;
        }
    }
    false
}

/// The fork server never holds a job's code, context or output: after runs whose code,
/// context and output carry a unique marker, the fork server's writable memory does not
/// contain it (while it does contain its own source, so the scan itself works).
#[test]
fn no_job_data_reaches_the_fork_server() {
    if unsafe { libc::geteuid() } != 0 {
        return; // reading another uid's memory needs root
    }
    let b = backend_with(|_| {});
    let pid = b.fork_server_pid().expect("fork server pid");
    let marker = format!("JOBDATA-{}-{}", std::process::id(), rand_suffix());
    for _ in 0..3 {
        let mut j = job(
            &format!("s = '{marker}-CODE'\nprint(s + '-OUTPUT', context['k'])"),
            |_| {},
        );
        j.context = Some(serde_json::json!({ "k": format!("{marker}-CONTEXT") }));
        let o = b.run_blocking(&j).expect("run");
        assert!(o.stdout.starts_with(&marker), "{o:?}");
    }
    assert!(
        memory_contains(pid, b"_pywarden_zygote"),
        "the scan finds what the fork server does hold"
    );
    assert!(
        !memory_contains(pid, marker.as_bytes()),
        "job data found in the fork server's memory"
    );
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// Killing the fork server ends its in-flight run (as killed, promptly, without a hang),
/// later runs still run (cold while it is down), and it is restarted.
#[test]
fn a_dead_fork_server_is_restarted_and_no_run_hangs() {
    let b = std::sync::Arc::new(backend_with(|_| {}));
    let pid = b.fork_server_pid().expect("pid");
    let inflight = {
        let b = b.clone();
        std::thread::spawn(move || {
            b.run_blocking(&job("import time\ntime.sleep(8)\nprint('survived')", |c| {
                c.timeout = Duration::from_secs(20);
                c.allowed_imports = vec!["time".into()];
            }))
            .expect("run")
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    // SAFETY: SIGKILL to the fork server we started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let o = inflight.join().unwrap();
    if !b.fork_server_running() {
        // Health output says so while it is down.
        assert!(
            b.describe().ends_with("runs start cold until it is back)"),
            "{}",
            b.describe()
        );
    }
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(o.stdout, "", "{o:?}");
    assert_eq!(o.termination, Some(Termination::Signal), "{o:?}");
    // Runs go on, and the fork server comes back.
    let ok = b.run_blocking(&job("print(1)", |_| {})).expect("run");
    assert_eq!(ok.stdout, "1\n", "{ok:?}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(b.fork_server_running() && b.fork_server_starts() == 2) {
        assert!(
            Instant::now() < deadline,
            "the fork server was not restarted"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_ne!(b.fork_server_pid(), Some(pid));
    assert!(b.describe().ends_with(", fork server"), "{}", b.describe());
    let cwd = cwd_of(&b);
    assert!(cwd.contains("pywarden-forkserver-"), "{cwd}");
}

/// Dropping the backend stops the fork server and removes its root directory.
#[test]
fn dropping_the_backend_stops_the_fork_server() {
    let parent = tempfile::tempdir().unwrap();
    let b = backend_with(|o| o.scratch_parent = Some(parent.path().to_path_buf()));
    let pid = b.fork_server_pid().expect("pid");
    let cwd = PathBuf::from(cwd_of(&b));
    assert!(cwd.starts_with(parent.path()), "{cwd:?}");
    drop(b);
    // SAFETY: signal 0 only checks for existence.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    assert!(!alive, "the fork server outlived its backend");
    let left: Vec<_> = std::fs::read_dir(parent.path())
        .unwrap()
        .flatten()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
