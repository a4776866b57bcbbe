//! End to end over loopback HTTP with the real pipeline: the policy (`Checker`), the
//! redactor and the local sandbox backend, exactly as `pywarden serve` builds them.

mod server_support;

use std::sync::Arc;

use pywarden::check::Checker;
use pywarden::executor::Pipeline;
use pywarden::redact::Redactor;
use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::server::store::KeyLimits;
use pywarden::server::{Engine, PipelineEngine};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server_support::*;

fn engine() -> Arc<dyn Engine> {
    let pipeline = Pipeline {
        checker: Arc::new(Checker::new(None, &[]).expect("embedded policy")),
        redactor: Arc::new(Redactor::builtin().expect("built-in detectors")),
        backend: Arc::new(LocalBackend::new(LocalOptions::from_env()).expect("local sandbox")),
    };
    Arc::new(PipelineEngine { pipeline })
}

async fn post(
    c: &reqwest::Client,
    s: &TestServer,
    key: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = c
        .post(s.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_pipeline_runs_denies_and_redacts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(
        &db,
        "alice",
        KeyLimits {
            daily_executions: Some(6),
            ..Default::default()
        },
    );
    let s = TestServer::start(test_config(&db), engine()).await;
    let c = client();

    let (st, v) = post(&c, &s, &key, "/v1/execute", json!({"code": "print(1)"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["termination"], "exited", "{v}");
    assert_eq!(v["stdout"], "1\n");
    assert_eq!(v["backend"], "local");
    assert_eq!(v["verdict"]["allowed"], true);

    // Context is bound to `context`.
    let (_, v) = post(
        &c,
        &s,
        &key,
        "/v1/execute",
        json!({"code": "print(context['n'] * 2)", "context": {"n": 21}}),
    )
    .await;
    assert_eq!(v["stdout"], "42\n", "{v}");

    // The gate refuses an escape: nothing runs, the request still counts.
    let (st, v) = post(
        &c,
        &s,
        &key,
        "/v1/execute",
        json!({"code": "import os\nos.system('id')\n"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["termination"], "denied", "{v}");
    assert_eq!(v["verdict"]["allowed"], false);
    assert!(!v["verdict"]["violations"].as_array().unwrap().is_empty());

    // Output is redacted in the answer and in the stored record.
    let code = "print('aws_access_key_id = AKIAZ7QW3ER5TY6UI2OP')";
    let (_, v) = post(&c, &s, &key, "/v1/execute", json!({"code": code})).await;
    assert_eq!(v["termination"], "exited", "{v}");
    let out = v["stdout"].as_str().unwrap();
    assert!(
        !out.contains("AKIAZ7QW3ER5TY6UI2OP") && out.contains("[REDACTED:aws-access-key-id]"),
        "{out}"
    );
    let rec: Value = c
        .get(s.url(&format!("/v1/executions/{}", v["id"].as_str().unwrap())))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !rec["result"]["stdout"]
            .as_str()
            .unwrap()
            .contains("AKIAZ7QW3ER5TY6UI2OP")
    );
    assert_eq!(rec["code"], code);

    // A syntax error is an outcome, not a server error.
    let (st, v) = post(&c, &s, &key, "/v1/execute", json!({"code": "def f(:\n"})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["termination"], "syntax_error", "{v}");

    // A runtime exception names its type.
    let (_, v) = post(&c, &s, &key, "/v1/execute", json!({"code": "1/0"})).await;
    assert!(
        v["error_message"]
            .as_str()
            .unwrap_or_default()
            .contains("ZeroDivisionError"),
        "{v}"
    );

    // Six executions used: the seventh is refused.
    let r = c
        .post(s.url("/v1/execute"))
        .bearer_auth(&key)
        .json(&json!({"code": "print(1)"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_gate_and_redactor_behind_analyze_and_redact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(&db, "alice", KeyLimits::default());
    let s = TestServer::start(test_config(&db), engine()).await;
    let c = client();
    let (st, v) = post(
        &c,
        &s,
        &key,
        "/v1/analyze",
        json!({"code": "().__class__.__base__.__subclasses__()"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["allowed"], false, "{v}");
    assert!(v["score"].as_u64().unwrap() > 0);
    let (_, v) = post(
        &c,
        &s,
        &key,
        "/v1/analyze",
        json!({"code": "print(sum(range(10)))"}),
    )
    .await;
    assert_eq!(v["allowed"], true, "{v}");
    let (_, v) = post(&c, &s, &key, "/v1/analyze", json!({"code": "def f(:"})).await;
    assert_eq!(v["allowed"], false);
    assert!(v["error"].is_object(), "{v}");
    let (_, v) = post(
        &c,
        &s,
        &key,
        "/v1/redact",
        json!({"text": "key AKIAZ7QW3ER5TY6UI2OP here"}),
    )
    .await;
    assert_eq!(v["text"], "key [REDACTED:aws-access-key-id] here", "{v}");
    assert_eq!(v["findings"][0]["rule"], "aws-access-key-id");
    assert!(
        !v["findings"][0]["preview"]
            .as_str()
            .unwrap()
            .contains("Z7QW3ER5TY6UI2OP")
    );
}

/// The real binary: `pywarden serve` started from a YAML file, SIGTERM during an execution;
/// the execution finishes and is answered, then the process exits 0.
#[test]
fn sigterm_lets_the_in_flight_execution_finish() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = serve_config(dir.path(), "");
    let key = cli_create_key(&cfg);
    let (mut child, addr, log) = spawn_serve(&cfg);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = client();
        let url = format!("http://{addr}/v1/execute");
        let req = tokio::spawn({
            let (c, key) = (c.clone(), key.clone());
            async move {
                c.post(url)
                    .bearer_auth(key)
                    .json(&json!({"code": "import time\ntime.sleep(1.5)\nprint('done')"}))
                    .send()
                    .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        // SAFETY: plain kill(2) on our own child.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
        let r = req.await.unwrap().unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["stdout"], "done\n", "{v}");
    });
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "{status:?}; log: {:?}",
        log.join().unwrap()
    );
}

/// Writes `DIR/serve.yaml` (loopback on a free port, database in DIR, then `extra`).
fn serve_config(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let cfg = dir.join("serve.yaml");
    let db = dir.join("db.sqlite");
    std::fs::write(
        &cfg,
        format!("listen: 127.0.0.1:0\ndb: {}\n{extra}", db.display()),
    )
    .unwrap();
    cfg
}

/// `pywarden keys create --user alice --config CFG` (the real binary); returns the key.
fn cli_create_key(cfg: &std::path::Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["keys", "create", "--user", "alice", "--config"])
        .arg(cfg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string()
}

/// The real binary analyses requests on its own runtime threads (given a stack sized for the
/// largest accepted code, instead of a thread per analysis): hostile code just under the size
/// limit, on both the inline (/v1/analyze) and the execution path, is answered with a located
/// denial, and the server keeps serving.
#[test]
fn hostile_code_at_the_size_limit_is_denied_by_the_real_binary() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = serve_config(dir.path(), "");
    let key = cli_create_key(&cfg);
    let (child, addr, _log) = spawn_serve(&cfg);
    /// Kills the server if an assertion fails first.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Server(child);
    let limit = 256 * 1024 - 16;
    // head + unit * n + close * n + tail, with n as large as the limit allows.
    let fill = |head: &str, unit: &str, close: &str, tail: &str| {
        let n = (limit - head.len() - tail.len()) / (unit.len() + close.len());
        format!("{head}{}{}{tail}", unit.repeat(n), close.repeat(n))
    };
    let hostile = [
        fill("x = ", "a+", "", "a"),
        fill("x = ", "[", "]", ""),
        fill("x = y", "[0]", "", ""),
        fill("f", "(", ")", ""),
        fill("x = ", "not ", "", "1"),
        fill("x = ", "-", "", "1"),
        fill("f = ", "lambda: ", "", "1"),
        {
            let mut code = String::new();
            let mut depth = 0;
            while code.len() + 2 * depth + 16 <= limit {
                code.push_str(&" ".repeat(depth));
                code.push_str("if 1:\n");
                depth += 1;
            }
            code.push_str(&" ".repeat(depth));
            code.push_str("pass\n");
            code
        },
    ];
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = client();
        for code in &hostile {
            for path in ["/v1/analyze", "/v1/execute"] {
                let r = c
                    .post(format!("http://{addr}{path}"))
                    .bearer_auth(&key)
                    .json(&json!({"code": code}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let v: Value = r.json().await.unwrap();
                assert_eq!(status, StatusCode::OK, "{path} {}: {v}", &code[..12]);
                let verdict = if path == "/v1/analyze" {
                    &v
                } else {
                    &v["verdict"]
                };
                assert_eq!(verdict["allowed"], false, "{path} {}: {v}", &code[..12]);
                let first = &verdict["violations"][0];
                assert!(first["line"].as_u64().is_some_and(|l| l >= 1), "{v}");
            }
        }
        let r = c
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    });
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(server.0.id() as i32, libc::SIGTERM) };
    assert!(server.0.wait().unwrap().success());
}

/// Starts `pywarden serve --config CFG`; returns the child, its address and a thread that
/// collects its log.
fn spawn_serve(
    cfg: &std::path::Path,
) -> (
    std::process::Child,
    String,
    std::thread::JoinHandle<Vec<String>>,
) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["serve", "--config"])
        .arg(cfg)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server exited early").unwrap();
        if let Some(a) = line.split("listening on http://").nth(1) {
            break a.trim().to_string();
        }
    };
    let log = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    (child, addr, log)
}

/// `kill -9` of a real `pywarden serve` under execution load: after a restart on the same
/// database, every acknowledged execution is there, with its code.
#[test]
fn kill_9_of_pywarden_serve_loses_no_acknowledged_execution() {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let cfg = serve_config(
        dir.path(),
        "default_quotas: {daily_executions: 100000, max_concurrent: 64}\n",
    );
    let key = cli_create_key(&cfg);

    let (mut child, addr, _log) = spawn_serve(&cfg);
    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = client();
        let mut loops = Vec::new();
        for w in 0..6 {
            let (c, addr, key, acked) = (c.clone(), addr.clone(), key.clone(), Arc::clone(&acked));
            loops.push(tokio::spawn(async move {
                for i in 0.. {
                    let code = format!("print({w} * 1000 + {i})");
                    let Ok(r) = c
                        .post(format!("http://{addr}/v1/execute"))
                        .bearer_auth(&key)
                        .json(&json!({"code": code}))
                        .send()
                        .await
                    else {
                        break;
                    };
                    if r.status() != StatusCode::OK {
                        break;
                    }
                    let Ok(v) = r.json::<Value>().await else {
                        break;
                    };
                    assert_eq!(v["stdout"], format!("{}\n", w * 1000 + i));
                    acked
                        .lock()
                        .unwrap()
                        .push((v["id"].as_str().unwrap().to_string(), code));
                }
            }));
        }
        let start = Instant::now();
        while acked.lock().unwrap().len() < 40 && start.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().unwrap(); // SIGKILL, mid-load
        child.wait().unwrap();
        for l in loops {
            l.await.unwrap();
        }
    });
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 20,
        "too few acknowledged executions: {}",
        acked.len()
    );

    let (mut child, addr, _log) = spawn_serve(&cfg);
    rt.block_on(async {
        let c = client();
        for (id, code) in &acked {
            let r = c
                .get(format!("http://{addr}/v1/executions/{id}"))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::OK,
                "acknowledged execution {id} lost"
            );
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["code"].as_str().unwrap(), code);
            assert_eq!(v["result"]["termination"], "exited");
        }
    });
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Children of `pid` (every thread's) whose command line contains `needle`.
fn children_running(pid: u32, needle: &str) -> Vec<i32> {
    let mut found = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
    {
        let kids = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for c in kids
            .split_whitespace()
            .filter_map(|c| c.parse::<i32>().ok())
        {
            let cmd = std::fs::read(format!("/proc/{c}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmd).contains(needle) {
                found.push(c);
            }
        }
    }
    found
}

/// `serve` forks runs from a fork server by default (one child of the server runs it,
/// `/healthz` says so, and executions succeed through it); `sandbox.fork_server: false` starts
/// runs cold instead; a `kill -9` of the server takes its fork server down with it.
#[test]
fn serve_runs_a_fork_server_by_default_and_it_dies_with_the_server() {
    for (extra, forked) in [("", true), ("sandbox:\n  fork_server: false\n", false)] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = serve_config(dir.path(), extra);
        let key = cli_create_key(&cfg);
        let (mut child, addr, _log) = spawn_serve(&cfg);
        let pid = child.id();
        let zygotes = children_running(pid, "_pywarden_zygote");
        assert_eq!(zygotes.len(), usize::from(forked), "{extra:?}: {zygotes:?}");
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let c = client();
            let h: Value = c.get(format!("http://{addr}/healthz")).send_json().await;
            let sandbox = h["sandbox"].as_str().unwrap_or_default();
            assert!(sandbox.starts_with("local: python 3."), "{h}");
            assert_eq!(sandbox.ends_with(", fork server"), forked, "{h}");
            let metrics = c
                .get(format!("http://{addr}/metrics"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let up = metrics
                .lines()
                .find_map(|l| l.strip_prefix("pywarden_sandbox_fork_server_up "));
            assert_eq!(up, forked.then_some("1"), "{metrics}");
            for i in 0..5 {
                let r = c
                    .post(format!("http://{addr}/v1/execute"))
                    .bearer_auth(&key)
                    .json(&json!({"code": format!("print({i} * 7)")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                let v: Value = r.json().await.unwrap();
                assert_eq!(v["stdout"], format!("{}\n", i * 7), "{v}");
                assert_eq!(v["termination"], "exited", "{v}");
            }
        });
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        let _ = child.wait();
        for z in zygotes {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            // SAFETY: signal 0 only checks for existence.
            while unsafe { libc::kill(z, 0) } == 0 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the fork server {z} outlived the server"
                );
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
}
