//! Sandbox latency benchmark (custom harness: p50/p99 need the raw samples).
//!
//! In one run, interleaved round-robin so machine load hits every mode alike, it measures:
//! - `bare`: `python3.11 -I -S -c pass` spawned directly (the floor);
//! - `bare + runner`: the same interpreter running the embedded runner, without any sandbox
//!   (separates the runner's cost from the sandbox's);
//! - `cli-sandbox`: `pywarden run --no-analysis --no-redact -c pass` (whole process);
//! - `cli-gated`: `pywarden run -c pass` (whole process, gate + redaction);
//! - `lib-sandbox`: `LocalBackend::run_blocking` on `pass` (cold start);
//! - `lib-gated`: `CodeExecutor::execute` on `print(1)` (parse, policy, run, redact; cold);
//! - `pool-sandbox` / `pool-gated`: the same with a warm pool (a ready interpreter is waiting);
//! - `fork-sandbox` / `fork-gated`: the same forked from the fork server (what `serve` uses).
//!
//! Modes whose pipeline stage is not available in this build (e.g. the static gate) are
//! reported as skipped. Run with `scripts/bench-run [ITERATIONS]`.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pywarden::executor::{CodeExecutor, Pipeline};
use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::sandbox::{Job, RunOutput, SandboxConfig};

type Probe = Box<dyn FnMut() -> Duration>;

fn pct(sorted: &[f64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn wait_pool(b: &LocalBackend, n: usize) {
    let start = Instant::now();
    while b.pool_ready() < n && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn gated(backend: Arc<LocalBackend>) -> Option<CodeExecutor> {
    let built = std::panic::catch_unwind(AssertUnwindSafe(|| Pipeline::with_backend(backend)));
    match built {
        Ok(Ok(p)) => Some(CodeExecutor::with_pipeline("bench", p)),
        _ => None,
    }
}

/// Times `backend.run_blocking(job)` and checks its output; with `warm`, first waits (untimed)
/// until the pool has two interpreters ready.
fn backend_probe(
    backend: &Arc<LocalBackend>,
    job: Job,
    warm: bool,
    check: fn(&RunOutput),
) -> Option<Probe> {
    let b = backend.clone();
    Some(Box::new(move || {
        if warm {
            wait_pool(&b, 2);
        }
        let t = Instant::now();
        let o = b.run_blocking(&job).expect("run");
        check(&o);
        t.elapsed()
    }))
}

/// Times a gated `CodeExecutor::execute("print(1)")` over `backend` (`None` when the static
/// gate is not in this build); `warm` as for [`backend_probe`].
fn executor_probe(backend: &Arc<LocalBackend>, warm: bool) -> Option<Probe> {
    let b = backend.clone();
    gated(backend.clone()).map(|e| -> Probe {
        Box::new(move || {
            if warm {
                wait_pool(&b, 2);
            }
            let t = Instant::now();
            let r = e.execute("print(1)", None).expect("execute");
            assert!(r.success, "{r:?}");
            t.elapsed()
        })
    })
}

fn main() {
    let iterations: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    std::panic::set_hook(Box::new(|_| {}));
    let cold = Arc::new(LocalBackend::new(LocalOptions::default()).expect("backend"));
    let python = cold.interpreter().path.clone();
    let warm = Arc::new(
        LocalBackend::new(LocalOptions {
            pool_size: 2,
            ..LocalOptions::default()
        })
        .expect("pool"),
    );
    let forked = Arc::new(
        LocalBackend::new(LocalOptions {
            fork_server: true,
            ..LocalOptions::default()
        })
        .expect("fork server"),
    );
    assert!(forked.fork_server_running(), "{}", forked.describe());
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_pywarden"));
    eprintln!("{}", cold.describe());
    eprintln!(
        "interpreter: {}, iterations: {iterations}",
        python.display()
    );

    let job = |code: &str| Job {
        code: code.into(),
        context: None,
        config: SandboxConfig::default(),
    };
    let mut modes: Vec<(&str, Option<Probe>)> = Vec::new();
    let py = python.clone();
    modes.push((
        "bare python -I -S -c pass",
        Some(Box::new(move || {
            let t = Instant::now();
            let s = Command::new(&py)
                .args(["-I", "-S", "-c", "pass"])
                .status()
                .expect("python");
            assert!(s.success());
            t.elapsed()
        })),
    ));
    let py = python.clone();
    modes.push((
        "bare python + runner, no sandbox: pass",
        Some(Box::new(move || {
            use std::io::Write;
            let t = Instant::now();
            let mut c = Command::new(&py)
                .args(["-I", "-S", "-B", "-c", pywarden::sandbox::local::RUNNER])
                .stdin(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("python");
            let mut stdin = c.stdin.take().expect("stdin");
            stdin.write_all(b"PYWARDEN1 g 0 4 0\npass").expect("job");
            drop(stdin);
            c.wait().expect("wait");
            t.elapsed()
        })),
    ));
    let cli = |args: &'static [&'static str]| -> Option<Probe> {
        let ok = Command::new(&exe)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let exe = exe.clone();
        ok.then(|| -> Probe {
            Box::new(move || {
                let t = Instant::now();
                let s = Command::new(&exe)
                    .args(args)
                    .stdout(Stdio::null())
                    .status()
                    .expect("cli");
                assert!(s.success());
                t.elapsed()
            })
        })
    };
    modes.push((
        "pywarden run --no-analysis --no-redact -c pass",
        cli(&["run", "--no-analysis", "--no-redact", "-c", "pass"]),
    ));
    modes.push(("pywarden run -c pass (gated)", cli(&["run", "-c", "pass"])));
    let exit_0: fn(&RunOutput) = |o| assert_eq!(o.exit_code, Some(0));
    let prints_1: fn(&RunOutput) = |o| assert_eq!(o.stdout, "1\n");
    modes.push((
        "library LocalBackend (cold) pass",
        backend_probe(&cold, job("pass"), false, exit_0),
    ));
    let with_context = Job {
        context: Some(serde_json::json!({"user": "alice", "items": [1, 2, 3], "ratio": 0.5})),
        ..job("print(context['user'])")
    };
    modes.push((
        "library LocalBackend (cold) with a context",
        backend_probe(&cold, with_context, false, |o| {
            assert_eq!(o.stdout, "alice\n")
        }),
    ));
    modes.push((
        "library CodeExecutor (cold) print(1)",
        executor_probe(&cold, false),
    ));
    modes.push((
        "warm pool LocalBackend print(1)",
        backend_probe(&warm, job("print(1)"), true, prints_1),
    ));
    modes.push((
        "warm pool CodeExecutor print(1) (gated)",
        executor_probe(&warm, true),
    ));
    modes.push((
        "fork server LocalBackend print(1)",
        backend_probe(&forked, job("print(1)"), false, prints_1),
    ));
    modes.push((
        "fork server CodeExecutor print(1) (gated)",
        executor_probe(&forked, false),
    ));

    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); modes.len()];
    for (_, m) in modes.iter_mut() {
        if let Some(f) = m {
            f(); // warm-up
        }
    }
    for _ in 0..iterations {
        for (i, (_, m)) in modes.iter_mut().enumerate() {
            if let Some(f) = m {
                samples[i].push(f().as_secs_f64() * 1000.0);
            }
        }
    }
    let mut base = (0.0, 0.0);
    println!(
        "{:<48} {:>9} {:>9} {:>9} {:>9}",
        "mode", "p50 ms", "p99 ms", "p50/bare", "p99/bare"
    );
    for (i, (name, m)) in modes.iter().enumerate() {
        if m.is_none() {
            println!("{name:<48} skipped (stage not available in this build)");
            continue;
        }
        let mut s = samples[i].clone();
        s.sort_by(f64::total_cmp);
        let (p50, p99) = (pct(&s, 0.5), pct(&s, 0.99));
        if i == 0 {
            base = (p50, p99);
        }
        println!(
            "{name:<48} {p50:>9.2} {p99:>9.2} {:>9.2} {:>9.2}",
            p50 / base.0,
            p99 / base.1
        );
    }
}
