//! Starts the E2B stand-in server (E2B's wire protocol on 127.0.0.1) for trying
//! `pywarden run --backend e2b` without an E2B account, or measures the backend against it.
//!
//! ```text
//! cargo run --example e2b_standin                    # serve; prints the env vars to export
//! cargo run --example e2b_standin -- --port 7000     # control plane 7000, data plane 7001
//! cargo run --release --example e2b_standin -- --bench 50 [--concurrency 4] [--pool N]
//! ```
//!
//! The stand-in really runs the code with `/usr/bin/python3.11 -I -S`: it is a protocol
//! double, not a sandbox. Serve it on loopback only.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pywarden::sandbox::e2b::standin::{StandIn, StandInOptions};
use pywarden::sandbox::e2b::{E2bBackend, E2bConfig};
use pywarden::sandbox::{Backend, Job, SandboxConfig};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn num(args: &[String], name: &str, default: usize) -> anyhow::Result<usize> {
    match arg(args, name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| anyhow::anyhow!("{name} wants a number, got {v:?}")),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = num(&args, "--port", 0)?;
    let mut opts = StandInOptions::default();
    if let Some(key) = arg(&args, "--api-key") {
        opts.api_key = key;
    }
    if port != 0 {
        let port = u16::try_from(port)?;
        opts.control_addr = SocketAddr::from(([127, 0, 0, 1], port));
        opts.data_addr = SocketAddr::from(([127, 0, 0, 1], port + 1));
    }
    let si = StandIn::start(opts).await?;

    let Some(n) = arg(&args, "--bench") else {
        println!("# E2B stand-in listening; in another shell:");
        println!("export E2B_API_KEY={}", si.api_key());
        println!("export E2B_API_URL={}", si.api_url);
        println!("export E2B_SANDBOX_URL={}", si.sandbox_url);
        println!("# then: pywarden run --backend e2b -c 'print(6 * 7)'   (Ctrl-C to stop)");
        tokio::signal::ctrl_c().await?;
        println!(
            "# created {} sandbox(es); not killed: {:?}",
            si.created().len(),
            si.not_killed()
        );
        return Ok(());
    };

    let n: usize = n.parse()?;
    let concurrency = num(&args, "--concurrency", 1)?.max(1);
    let mut cfg = E2bConfig::new(si.api_key());
    cfg.api_url = si.api_url.clone();
    cfg.sandbox_url = Some(si.sandbox_url.clone());
    cfg.pool_size = num(&args, "--pool", 0)?;
    let backend = E2bBackend::new(cfg)?;
    backend.warm_up().await?;
    let job = Job {
        code: "print(6 * 7)".into(),
        context: Some(serde_json::json!({"user": "bench"})),
        config: SandboxConfig::default(),
    };
    let started = Instant::now();
    let mut latencies: Vec<Duration> = Vec::with_capacity(n);
    let mut done = 0;
    while done < n {
        let batch = concurrency.min(n - done);
        let runs = (0..batch).map(|_| async {
            let t = Instant::now();
            let out = backend.run(&job).await;
            (t.elapsed(), out)
        });
        for (lat, out) in futures_util::future::join_all(runs).await {
            anyhow::ensure!(out?.stdout == "42\n", "wrong output");
            latencies.push(lat);
        }
        done += batch;
    }
    let wall = started.elapsed();
    backend.shutdown().await;
    drop(backend);
    si.wait_all_killed(Duration::from_secs(5)).await;
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!(
        "runs={n} concurrency={concurrency} wall={:.3}s throughput={:.1}/s \
         p50={:.1}ms p90={:.1}ms max={:.1}ms sandboxes_created={} not_killed={}",
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.9).as_secs_f64() * 1e3,
        pct(1.0).as_secs_f64() * 1e3,
        si.created().len(),
        si.not_killed().len(),
    );
    Ok(())
}
