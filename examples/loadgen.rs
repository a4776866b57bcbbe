//! A small HTTP/1.1 load generator for `pywarden serve` (loopback only): `N` keep-alive
//! connections send the same POST request until a request count or a time bound is reached,
//! then it prints requests/s, latency percentiles and the status histogram.
//!
//! ```text
//! cargo run --release --example loadgen -- --addr 127.0.0.1:8080 --path /v1/analyze \
//!     --key pwk_... --body '{"code":"print(1)"}' --connections 32 --requests 20000 --seconds 10
//! ```
//! Exit code 1 when any response was a 5xx or a connection failed.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Opts {
    addr: SocketAddr,
    path: String,
    key: String,
    body: String,
    connections: usize,
    requests: u64,
    seconds: f64,
}

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        addr: "127.0.0.1:8080".parse().unwrap(),
        path: "/v1/analyze".into(),
        key: String::new(),
        body: r#"{"code":"print(1)"}"#.into(),
        connections: 16,
        requests: 10_000,
        seconds: 10.0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--addr" => o.addr = val()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--path" => o.path = val()?,
            "--key" => o.key = val()?,
            "--body" => o.body = val()?,
            "--connections" => o.connections = val()?.parse().map_err(|e| format!("{e}"))?,
            "--requests" => o.requests = val()?.parse().map_err(|e| format!("{e}"))?,
            "--seconds" => o.seconds = val()?.parse().map_err(|e| format!("{e}"))?,
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if !o.addr.ip().is_loopback() {
        return Err("loadgen only targets loopback addresses".into());
    }
    if o.connections == 0 || o.requests == 0 || !(o.seconds > 0.0 && o.seconds <= 600.0) {
        return Err("connections, requests must be positive; seconds in (0, 600]".into());
    }
    Ok(o)
}

/// Sends one request on `stream`, reads the whole response; returns the status.
async fn one(stream: &mut BufReader<TcpStream>, request: &[u8]) -> std::io::Result<u16> {
    stream.get_mut().write_all(request).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut len = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().map_err(std::io::Error::other)?;
        }
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await?;
    Ok(status)
}

#[tokio::main]
async fn main() {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(2);
        }
    };
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        o.path,
        o.addr,
        o.key,
        o.body.len(),
        o.body
    )
    .into_bytes();
    let deadline = Instant::now() + Duration::from_secs_f64(o.seconds);
    let issued = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..o.connections {
        let (request, issued, addr, limit) = (request.clone(), issued.clone(), o.addr, o.requests);
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut statuses = BTreeMap::<u16, u64>::new();
            let mut errors = 0u64;
            let mut stream = None;
            while Instant::now() < deadline
                && issued.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < limit
            {
                if stream.is_none() {
                    match TcpStream::connect(addr).await {
                        Ok(s) => {
                            let _ = s.set_nodelay(true);
                            stream = Some(BufReader::new(s));
                        }
                        Err(_) => {
                            errors += 1;
                            continue;
                        }
                    }
                }
                let t = Instant::now();
                match one(stream.as_mut().unwrap(), &request).await {
                    Ok(st) => {
                        lat.push(t.elapsed());
                        *statuses.entry(st).or_default() += 1;
                    }
                    Err(_) => {
                        errors += 1;
                        stream = None;
                    }
                }
            }
            (lat, statuses, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut statuses = BTreeMap::<u16, u64>::new();
    let mut errors = 0;
    for w in workers {
        let (l, s, e) = w.await.unwrap();
        lat.extend(l);
        for (k, v) in s {
            *statuses.entry(k).or_default() += v;
        }
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i].as_secs_f64() * 1000.0
    };
    let done = lat.len();
    let five_xx: u64 = statuses
        .iter()
        .filter(|(k, _)| **k >= 500)
        .map(|(_, v)| v)
        .sum();
    println!(
        "{} ({} connections): {done} requests in {elapsed:.2}s = {:.0} req/s; latency ms p50 {:.2} p99 {:.2} max {:.2}; statuses {:?}; 5xx {five_xx}; connection errors {errors}",
        o.path,
        o.connections,
        done as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        statuses
    );
    if five_xx > 0 || errors > 0 {
        std::process::exit(1);
    }
}
