//! Warm pool: interpreters started ahead of time, already inside the full sandbox (own scratch
//! dir, rlimits, uid, Landlock, seccomp), each blocked reading its job from stdin.
//!
//! A job takes one, writes its code and context and is supervised exactly like a cold start;
//! the interpreter is never reused (a fresh one per job, so nothing leaks between jobs). A
//! background thread refills the pool. Only jobs whose limits match the pool's configuration
//! (memory, CPU/timeout, weaker-sandbox opt-in) use it; others start cold. Dropping the pool
//! kills every waiting interpreter and deletes its scratch directory.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::{Launcher, Started, cpu_limit};
use crate::sandbox::SandboxConfig;

struct Shared {
    ready: Mutex<State>,
    cond: Condvar,
}

struct State {
    members: VecDeque<Started>,
    shutdown: bool,
}

/// A pool of pre-started sandboxed interpreters.
pub struct Pool {
    shared: Arc<Shared>,
    config: SandboxConfig,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn compatible(pool: &SandboxConfig, job: &SandboxConfig) -> bool {
    pool.max_memory_mb == job.max_memory_mb
        && cpu_limit(pool) == cpu_limit(job)
        && pool.allow_weaker_sandbox == job.allow_weaker_sandbox
}

impl Pool {
    /// Starts the refill thread, which keeps `size` interpreters ready.
    pub(crate) fn new(launcher: Arc<Launcher>, config: SandboxConfig, size: usize) -> Self {
        let shared = Arc::new(Shared {
            ready: Mutex::new(State {
                members: VecDeque::new(),
                shutdown: false,
            }),
            cond: Condvar::new(),
        });
        let s = shared.clone();
        let cfg = config.clone();
        let thread = std::thread::Builder::new()
            .name("pywarden-pool".into())
            .spawn(move || refill(&s, &launcher, &cfg, size))
            .ok();
        Self {
            shared,
            config,
            thread,
        }
    }

    /// Takes a ready interpreter if the job's limits match the pool's.
    pub(crate) fn take(&self, job: &SandboxConfig) -> Option<Started> {
        if !compatible(&self.config, job) {
            return None;
        }
        let mut st = self.shared.ready.lock().ok()?;
        let m = st.members.pop_front();
        self.shared.cond.notify_all();
        m
    }

    /// How many interpreters are ready.
    pub fn ready(&self) -> usize {
        self.shared.ready.lock().map_or(0, |s| s.members.len())
    }
}

fn refill(shared: &Shared, launcher: &Launcher, config: &SandboxConfig, size: usize) {
    let mut failures = 0u32;
    loop {
        {
            let Ok(mut st) = shared.ready.lock() else {
                return;
            };
            while !st.shutdown && st.members.len() >= size {
                st = match shared.cond.wait_timeout(st, Duration::from_secs(1)) {
                    Ok((g, _)) => g,
                    Err(_) => return,
                };
            }
            if st.shutdown {
                return;
            }
        }
        match launcher.start(config) {
            Ok(m) => {
                failures = 0;
                let Ok(mut st) = shared.ready.lock() else {
                    return;
                };
                if st.shutdown {
                    return;
                }
                st.members.push_back(m);
            }
            Err(e) => {
                failures += 1;
                tracing::warn!("warm pool: cannot start an interpreter: {e}");
                std::thread::sleep(Duration::from_millis(100 * u64::from(failures.min(50))));
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Ok(mut st) = self.shared.ready.lock() {
            st.shutdown = true;
            st.members.clear();
        }
        self.shared.cond.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
