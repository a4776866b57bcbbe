//! CPU per run of the local sandbox against a bare interpreter started from the same process.
//!
//! Wall-clock figures on a shared virtual machine move with the host; CPU time moves less. This
//! runs `print(1)` N times through `LocalBackend::run_blocking` (cold: no warm pool), then N
//! times as a bare `python -I -S -c "print(1)"` (the very interpreter the sandbox starts,
//! spawned with `std::process::Command`), in three interleaved rounds, and prints the CPU per run
//! of the children (the interpreter, with the sandbox's set-up before `execve`) and of this
//! process (the launch: scratch directory, Landlock ruleset, pipes, supervision). Each round
//! also runs N forked runs (`LocalOptions::fork_server`, what `serve` uses): their CPU is the
//! child's (reported by the fork server), the fork server's own (the `fork`, from `/proc`) and
//! this process's.
//!
//! `cargo bench --bench sandbox_cpu -- [N]` (default 300).

use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::sandbox::{Job, SandboxConfig};

/// User + system CPU seconds of `who` (`RUSAGE_SELF` or `RUSAGE_CHILDREN`).
fn cpu(who: libc::c_int) -> f64 {
    // SAFETY: zeroed rusage is valid; getrusage writes into it.
    let mut r: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut r) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
    t(r.ru_utime) + t(r.ru_stime)
}

/// User + system CPU seconds of process `pid`'s own threads, from `/proc` (clock ticks).
fn proc_cpu(pid: i32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // SAFETY: sysconf cannot fail for _SC_CLK_TCK.
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    // After the state field: fields 14 and 15 of stat(5) are the 11th and 12th numbers here.
    (f.get(10).unwrap_or(&0.0) + f.get(11).unwrap_or(&0.0)) / tick
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(300);
    let backend = LocalBackend::new(LocalOptions {
        pool_size: 0,
        ..LocalOptions::default()
    })
    .expect("local backend");
    let forked = LocalBackend::new(LocalOptions {
        fork_server: true,
        ..LocalOptions::default()
    })
    .expect("local backend with a fork server");
    assert!(forked.fork_server_running(), "{}", forked.describe());
    let zygote = forked.fork_server_pid().expect("fork server pid");
    let python = backend.interpreter().path.clone();
    println!("{}; {n} runs per round", backend.describe());
    let job = Job {
        code: "print(1)".into(),
        context: None,
        config: SandboxConfig::default(),
    };
    let per_run = |before: (f64, f64), after: (f64, f64)| {
        (
            (after.0 - before.0) * 1e3 / n as f64,
            (after.1 - before.1) * 1e3 / n as f64,
        )
    };
    let now = || (cpu(libc::RUSAGE_CHILDREN), cpu(libc::RUSAGE_SELF));
    for round in 1..=3 {
        let t0 = now();
        for _ in 0..n {
            let out = backend.run_blocking(&job).expect("sandboxed run");
            assert_eq!(out.stdout, "1\n", "{out:?}");
        }
        let t1 = now();
        for _ in 0..n {
            let out = std::process::Command::new(&python)
                .args(["-I", "-S", "-c", "print(1)"])
                .output()
                .expect("bare run");
            assert_eq!(out.stdout, b"1\n");
        }
        let t2 = now();
        let z0 = proc_cpu(zygote);
        let mut child = 0.0;
        for _ in 0..n {
            let out = forked.run_blocking(&job).expect("forked run");
            assert_eq!(out.stdout, "1\n", "{out:?}");
            child += out.cpu_time_seconds;
        }
        let t3 = now();
        let (sc, sp) = per_run(t0, t1);
        let (bc, bp) = per_run(t1, t2);
        let (_, fp) = per_run(t2, t3);
        let fc = child * 1e3 / n as f64;
        let fz = (proc_cpu(zygote) - z0) * 1e3 / n as f64;
        println!(
            "round {round}: sandboxed {sc:.3} ms interpreter + {sp:.3} ms launch = {:.3} ms; \
             bare {bc:.3} ms interpreter + {bp:.3} ms spawn = {:.3} ms; bare/sandboxed = {:.0}%",
            sc + sp,
            bc + bp,
            100.0 * (bc + bp) / (sc + sp)
        );
        println!(
            "         forked {fc:.3} ms child + {fz:.3} ms fork server + {fp:.3} ms launch = \
             {:.3} ms; bare/forked = {:.0}%",
            fc + fz + fp,
            100.0 * (bc + bp) / (fc + fz + fp)
        );
    }
}
