//! Per-user quotas with atomic admission: daily executions, daily sandbox CPU seconds and
//! concurrent executions.
//!
//! Admission happens under one mutex: the check and the reservation are a single step, so
//! under any concurrency a user never gets more executions admitted than the quota allows.
//! A reservation counts one execution and one concurrent slot *before* the code runs; settling
//! it adds the CPU seconds the run used and frees the slot. A reservation given back unused
//! (the request was shed with a 503 before anything ran) refunds the execution.
//!
//! The counters are backed by SQLite: the first time a user is seen on a UTC day, today's
//! usage is loaded from the durable execution records, so a restart does not reset quotas.
//! (One server process per database file is assumed.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::config::QuotaLimits;
use super::store::{Store, StoreError, now_ms, utc_day};

/// Why an execution was not admitted.
#[derive(Debug, Clone, PartialEq)]
pub enum Denial {
    DailyExecutions { limit: u64, retry_after_secs: u64 },
    DailyCpuSeconds { limit: f64, retry_after_secs: u64 },
    Concurrent { limit: u32 },
}

impl Denial {
    /// Seconds a client should wait before retrying (`Retry-After`).
    pub fn retry_after_secs(&self) -> u64 {
        match self {
            Denial::DailyExecutions {
                retry_after_secs, ..
            }
            | Denial::DailyCpuSeconds {
                retry_after_secs, ..
            } => *retry_after_secs,
            Denial::Concurrent { .. } => 1,
        }
    }

    /// A human-readable reason.
    pub fn message(&self) -> String {
        match self {
            Denial::DailyExecutions { limit, .. } => {
                format!("daily execution quota of {limit} exhausted")
            }
            Denial::DailyCpuSeconds { limit, .. } => {
                format!("daily CPU quota of {limit} seconds exhausted")
            }
            Denial::Concurrent { limit } => {
                format!("at most {limit} concurrent executions per user")
            }
        }
    }
}

#[derive(Debug, Default)]
struct UserState {
    day: i64,
    executions: u64,
    cpu_seconds: f64,
    in_flight: u32,
}

/// A user's quota state as `GET /v1/quota` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaStatus {
    pub limits: QuotaLimits,
    pub executions_today: u64,
    pub cpu_seconds_today: f64,
    pub in_flight: u32,
    /// Milliseconds since the epoch of the next reset (next UTC midnight).
    pub resets_at_ms: i64,
}

/// Admission control for every user of one server.
pub struct QuotaManager {
    store: Arc<Store>,
    users: Mutex<HashMap<String, UserState>>,
}

fn seconds_to_midnight(now: i64) -> u64 {
    let next = (utc_day(now) + 1) * 86_400_000;
    ((next - now + 999) / 1000).max(1) as u64
}

impl QuotaManager {
    pub fn new(store: Arc<Store>) -> Arc<Self> {
        Arc::new(Self {
            store,
            users: Mutex::new(HashMap::new()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, UserState>> {
        self.users.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes sure `user`'s counters are for `day`, loading them from the store if needed.
    fn ensure_loaded(&self, user: &str, day: i64) -> Result<(), StoreError> {
        if self.lock().get(user).is_some_and(|s| s.day == day) {
            return Ok(());
        }
        // Read outside the lock; only this process writes records, and no reservation of
        // `user` for `day` can exist before the counters for `day` are installed.
        let usage = self.store.usage(user, day)?;
        let mut users = self.lock();
        let st = users.entry(user.to_string()).or_default();
        if st.day != day {
            st.day = day;
            st.executions = usage.executions;
            st.cpu_seconds = usage.cpu_seconds;
        }
        Ok(())
    }

    /// Atomically checks and reserves one execution for `user` under `limits`.
    pub fn reserve(
        self: &Arc<Self>,
        user: &str,
        limits: &QuotaLimits,
    ) -> Result<Result<Reservation, Denial>, StoreError> {
        let now = now_ms();
        let day = utc_day(now);
        self.ensure_loaded(user, day)?;
        let mut users = self.lock();
        let st = users.entry(user.to_string()).or_default();
        if st.day != day {
            // The day rolled over between loading and locking: load again.
            drop(users);
            return self.reserve(user, limits);
        }
        if st.executions >= limits.daily_executions {
            return Ok(Err(Denial::DailyExecutions {
                limit: limits.daily_executions,
                retry_after_secs: seconds_to_midnight(now),
            }));
        }
        if st.cpu_seconds >= limits.daily_cpu_seconds {
            return Ok(Err(Denial::DailyCpuSeconds {
                limit: limits.daily_cpu_seconds,
                retry_after_secs: seconds_to_midnight(now),
            }));
        }
        if st.in_flight >= limits.max_concurrent {
            return Ok(Err(Denial::Concurrent {
                limit: limits.max_concurrent,
            }));
        }
        st.executions += 1;
        st.in_flight += 1;
        Ok(Ok(Reservation {
            manager: Arc::clone(self),
            user: user.to_string(),
            day,
            created_at_ms: now,
            done: false,
        }))
    }

    /// The quota state of `user` under `limits`.
    pub fn status(&self, user: &str, limits: &QuotaLimits) -> Result<QuotaStatus, StoreError> {
        let now = now_ms();
        let day = utc_day(now);
        self.ensure_loaded(user, day)?;
        let users = self.lock();
        let st = users.get(user);
        let same_day = st.is_some_and(|s| s.day == day);
        Ok(QuotaStatus {
            limits: *limits,
            executions_today: st.filter(|_| same_day).map_or(0, |s| s.executions),
            cpu_seconds_today: st.filter(|_| same_day).map_or(0.0, |s| s.cpu_seconds),
            in_flight: st.map_or(0, |s| s.in_flight),
            resets_at_ms: (day + 1) * 86_400_000,
        })
    }

    fn finish(&self, user: &str, day: i64, cpu_seconds: f64, refund: bool) {
        let mut users = self.lock();
        if let Some(st) = users.get_mut(user) {
            st.in_flight = st.in_flight.saturating_sub(1);
            if st.day == day {
                if refund {
                    st.executions = st.executions.saturating_sub(1);
                } else if cpu_seconds.is_finite() && cpu_seconds > 0.0 {
                    st.cpu_seconds += cpu_seconds;
                }
            }
        }
    }
}

/// One admitted execution. Settle it with the CPU time used, or release it unused; dropping it
/// without either keeps the execution counted and frees the concurrency slot.
pub struct Reservation {
    manager: Arc<QuotaManager>,
    user: String,
    day: i64,
    /// When the execution was admitted (its record's time, so it counts on this day).
    pub created_at_ms: i64,
    done: bool,
}

impl Reservation {
    /// The execution ran (or was judged by the gate) and used `cpu_seconds`.
    pub fn settle(mut self, cpu_seconds: f64) {
        self.done = true;
        self.manager
            .finish(&self.user, self.day, cpu_seconds, false);
    }

    /// Nothing ran (shed before starting): the execution is refunded.
    pub fn release(mut self) {
        self.done = true;
        self.manager.finish(&self.user, self.day, 0.0, true);
    }
}

impl std::fmt::Debug for Reservation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reservation")
            .field("user", &self.user)
            .field("day", &self.day)
            .field("created_at_ms", &self.created_at_ms)
            .finish_non_exhaustive()
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.done {
            self.manager.finish(&self.user, self.day, 0.0, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manager() -> (tempfile::TempDir, Arc<QuotaManager>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("db")).unwrap());
        (dir, QuotaManager::new(store))
    }

    fn limits(daily: u64, cpu: f64, conc: u32) -> QuotaLimits {
        QuotaLimits {
            daily_executions: daily,
            daily_cpu_seconds: cpu,
            max_concurrent: conc,
        }
    }

    #[test]
    fn daily_limit_is_exact_and_release_refunds() {
        let (_d, q) = manager();
        let l = limits(3, 100.0, 10);
        let a = q.reserve("u", &l).unwrap().unwrap();
        let b = q.reserve("u", &l).unwrap().unwrap();
        let c = q.reserve("u", &l).unwrap().unwrap();
        let denied = q.reserve("u", &l).unwrap().unwrap_err();
        assert!(matches!(denied, Denial::DailyExecutions { limit: 3, .. }));
        assert!(denied.retry_after_secs() >= 1 && denied.retry_after_secs() <= 86_400);
        c.release();
        let d = q.reserve("u", &l).unwrap().unwrap();
        a.settle(0.1);
        b.settle(0.1);
        drop(d);
        assert!(q.reserve("u", &l).unwrap().is_err());
        // Another user is unaffected.
        assert!(q.reserve("v", &l).unwrap().is_ok());
    }

    #[test]
    fn concurrency_and_cpu_limits() {
        let (_d, q) = manager();
        let l = limits(100, 1.0, 2);
        let a = q.reserve("u", &l).unwrap().unwrap();
        let _b = q.reserve("u", &l).unwrap().unwrap();
        let denied = q.reserve("u", &l).unwrap().unwrap_err();
        assert_eq!(denied, Denial::Concurrent { limit: 2 });
        assert_eq!(denied.retry_after_secs(), 1);
        a.settle(1.5);
        let denied = q.reserve("u", &l).unwrap().unwrap_err();
        assert!(
            matches!(denied, Denial::DailyCpuSeconds { .. }),
            "{denied:?}"
        );
        let st = q.status("u", &l).unwrap();
        assert_eq!(st.executions_today, 2);
        assert_eq!(st.in_flight, 1);
        assert!((st.cpu_seconds_today - 1.5).abs() < 1e-9);
    }

    #[test]
    fn concurrent_reservations_never_exceed_the_quota() {
        let (_d, q) = manager();
        let l = limits(37, 1e9, 1000);
        let admitted = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..20 {
                        if let Ok(r) = q.reserve("u", &l).unwrap() {
                            admitted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            r.settle(0.0);
                        }
                    }
                });
            }
        });
        assert_eq!(admitted.into_inner(), 37);
    }
}
