//! Prometheus metrics for `GET /metrics` (text exposition format 0.0.4), kept in memory.
//!
//! * `pywarden_http_requests_total{route,method,status}`: requests by matched route and status.
//! * `pywarden_http_request_duration_seconds{route}`: latency histogram per route.
//! * `pywarden_executions_total{termination}`: executions by how they ended.
//! * `pywarden_execution_duration_seconds`: histogram of pipeline time per execution.
//! * `pywarden_sandbox_pool_size`, `pywarden_sandbox_pool_busy`, `pywarden_executions_queued`:
//!   the execution pool (slots that may run a sandbox at once), how many are in use, and how
//!   many admitted executions wait for one.
//! * the backend's own gauges (`Backend::gauges`): with the local backend's fork server,
//!   `pywarden_sandbox_fork_server_up` (0 while it restarts and runs start cold) and
//!   `pywarden_sandbox_fork_server_starts`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// Histogram bucket upper bounds, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Clone, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, v: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if v <= *b {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += v;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {}",
                self.counts[i]
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    request_latency: BTreeMap<String, Histogram>,
    executions: BTreeMap<String, u64>,
    execution_latency: Histogram,
}

/// The server's metric registry.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    pool_size: AtomicI64,
    pool_busy: AtomicI64,
    queued: AtomicI64,
}

/// Escapes a label value (backslash, quote, newline).
fn esc(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn new(pool_size: usize) -> Self {
        let m = Self::default();
        m.pool_size.store(pool_size as i64, Ordering::Relaxed);
        m
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records one HTTP request.
    pub fn observe_request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let mut g = self.lock();
        *g.requests
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        g.request_latency
            .entry(route.to_string())
            .or_default()
            .observe(seconds);
    }

    /// Records one finished execution.
    pub fn observe_execution(&self, termination: &str, seconds: f64) {
        let mut g = self.lock();
        *g.executions.entry(termination.to_string()).or_default() += 1;
        g.execution_latency.observe(seconds);
    }

    /// Adjusts the busy-slot gauge.
    pub fn pool_busy_add(&self, delta: i64) {
        self.pool_busy.fetch_add(delta, Ordering::Relaxed);
    }

    /// Adjusts the queued-executions gauge.
    pub fn queued_add(&self, delta: i64) {
        self.queued.fetch_add(delta, Ordering::Relaxed);
    }

    /// The exposition text, followed by `extra` gauges (the backend's).
    pub fn render_with(&self, extra: &[crate::sandbox::Gauge]) -> String {
        let mut out = self.render();
        for (name, help, v) in extra {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        out
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let g = self.lock();
        let mut out = String::new();
        out.push_str(
            "# HELP pywarden_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE pywarden_http_requests_total counter\n");
        for ((route, method, status), n) in &g.requests {
            let _ = writeln!(
                out,
                "pywarden_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                esc(route),
                esc(method)
            );
        }
        out.push_str(
            "# HELP pywarden_http_request_duration_seconds HTTP request latency by route.\n",
        );
        out.push_str("# TYPE pywarden_http_request_duration_seconds histogram\n");
        for (route, h) in &g.request_latency {
            h.render(
                &mut out,
                "pywarden_http_request_duration_seconds",
                &format!("route=\"{}\"", esc(route)),
            );
        }
        out.push_str("# HELP pywarden_executions_total Executions by termination.\n");
        out.push_str("# TYPE pywarden_executions_total counter\n");
        for (t, n) in &g.executions {
            let _ = writeln!(
                out,
                "pywarden_executions_total{{termination=\"{}\"}} {n}",
                esc(t)
            );
        }
        out.push_str("# HELP pywarden_execution_duration_seconds Pipeline time per execution.\n");
        out.push_str("# TYPE pywarden_execution_duration_seconds histogram\n");
        g.execution_latency
            .render(&mut out, "pywarden_execution_duration_seconds", "");
        drop(g);
        for (name, help, v) in [
            (
                "pywarden_sandbox_pool_size",
                "Execution slots that may run a sandbox at once.",
                &self.pool_size,
            ),
            (
                "pywarden_sandbox_pool_busy",
                "Execution slots in use.",
                &self.pool_busy,
            ),
            (
                "pywarden_executions_queued",
                "Admitted executions waiting for a slot.",
                &self.queued,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_gauges() {
        let m = Metrics::new(2);
        m.observe_request("/v1/analyze", "POST", 200, 0.0007);
        m.observe_request("/v1/analyze", "POST", 200, 0.3);
        m.observe_request("/v1/analyze", "POST", 422, 0.0001);
        m.observe_execution("exited", 0.02);
        m.pool_busy_add(1);
        let text = m.render();
        assert!(text.contains(
            "pywarden_http_requests_total{route=\"/v1/analyze\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "pywarden_http_request_duration_seconds_bucket{route=\"/v1/analyze\",le=\"0.001\"} 2"
        ));
        assert!(text.contains(
            "pywarden_http_request_duration_seconds_bucket{route=\"/v1/analyze\",le=\"+Inf\"} 3"
        ));
        assert!(text.contains("pywarden_executions_total{termination=\"exited\"} 1"));
        assert!(text.contains("pywarden_execution_duration_seconds_count 1"));
        assert!(text.contains("pywarden_sandbox_pool_size 2"));
        let with = m.render_with(&[("pywarden_x_up", "X is up.", 1.0)]);
        assert!(
            with.starts_with(&text),
            "the extra gauges come after the rest"
        );
        assert!(with.ends_with(
            "# HELP pywarden_x_up X is up.\n# TYPE pywarden_x_up gauge\npywarden_x_up 1\n"
        ));
        assert!(text.contains("pywarden_sandbox_pool_busy 1"));
        assert_eq!(esc("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
