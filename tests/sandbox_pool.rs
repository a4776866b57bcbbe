//! Warm pool: pre-started, already-sandboxed interpreters, each used for exactly one job.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::sandbox::{Job, SandboxConfig, Termination};

fn wait_ready(b: &LocalBackend, n: usize) {
    let start = Instant::now();
    while b.pool_ready() < n {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "pool never filled"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn job(code: &str) -> Job {
    Job {
        code: code.into(),
        context: None,
        config: SandboxConfig {
            runtime_guards: false,
            ..SandboxConfig::default()
        },
    }
}

fn procs_under(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                v.extend(procs_under(&e.path()));
            }
        }
    }
    v
}

#[test]
fn pooled_interpreters_run_one_job_each_and_die_with_the_pool() {
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let cg: Option<PathBuf> = root.then(|| {
        let p = PathBuf::from(format!(
            "/sys/fs/cgroup/pids/pywarden-pool-test-{}",
            std::process::id()
        ));
        std::fs::create_dir(&p).expect("cgroup");
        p
    });
    let opts = LocalOptions {
        pool_size: 2,
        pids_cgroup: cg.clone(),
        ..LocalOptions::default()
    };
    let b = LocalBackend::new(opts).expect("backend");
    wait_ready(&b, 2);
    if let Some(cg) = &cg {
        assert_eq!(procs_under(cg).len(), 2, "two interpreters waiting");
    }
    let first = b
        .run_blocking(&job(
            "import os\nopen('left-behind', 'w').write('x')\nprint(os.getpid())",
        ))
        .expect("run");
    assert_eq!(first.termination, Some(Termination::Exited), "{first:?}");
    let second = b
        .run_blocking(&job("import os\nprint(os.getpid(), os.listdir('.'))"))
        .expect("run");
    let pid1 = first.stdout.trim();
    let (pid2, listing) = second.stdout.trim().split_once(' ').expect("two fields");
    assert_ne!(pid1, pid2, "an interpreter was reused");
    assert_eq!(listing, "[]", "scratch leaked between jobs");
    // A job with other limits starts cold and still works.
    let mut other = job("print('cold')");
    other.config.max_memory_mb = 100;
    assert_eq!(b.run_blocking(&other).expect("run").stdout, "cold\n");
    drop(b);
    if let Some(cg) = cg {
        assert_eq!(
            procs_under(&cg),
            Vec::<String>::new(),
            "pool members outlived the pool"
        );
        std::fs::remove_dir(&cg).expect("rmdir cgroup");
    }
}
