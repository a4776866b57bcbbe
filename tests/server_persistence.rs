//! Durability of `pywarden serve`: a server process is killed with SIGKILL (`kill -9`) while
//! under load, restarted on the same database, and every execution it had acknowledged must
//! still be readable. Also covers the `pywarden keys` command line.
//!
//! The server process is this test binary re-executed (the ignored `child_server_process`
//! test), serving with the test-double engine so the test does not depend on Python.

mod server_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use server_support::*;

const CHILD_DB: &str = "PYWARDEN_TEST_CHILD_DB";

/// Not a test on its own: the server process of `acknowledged_records_survive_kill_9`.
#[test]
#[ignore = "helper process, started by acknowledged_records_survive_kill_9"]
fn child_server_process() {
    let Ok(db) = std::env::var(CHILD_DB) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let mut engine = FakeEngine::new();
        engine.delay = Duration::from_millis(2);
        let s = TestServer::start(test_config(Path::new(&db)), Arc::new(engine)).await;
        println!("LISTENING {}", s.base);
        use std::io::Write;
        std::io::stdout().flush().unwrap();
        std::future::pending::<()>().await;
    });
}

fn spawn_child(db: &Path) -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_server_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DB, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("child exited before listening")
            .unwrap();
        // libtest may print `test child_server_process ... ` on the same line first.
        if let Some(at) = line.find("LISTENING ") {
            break line[at + "LISTENING ".len()..].trim().to_string();
        }
    };
    // Keep draining the child's stdout so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

fn pywarden(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn keys_cli_creates_lists_and_revokes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keys.db");
    let db = db.to_str().unwrap();
    let (code, out, err) = pywarden(&[
        "keys",
        "create",
        "--user",
        "alice",
        "--db",
        db,
        "--daily-executions",
        "5",
        "--daily-cpu-seconds",
        "2.5",
        "--max-concurrent",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    let key = out.lines().last().unwrap().to_string();
    assert!(key.starts_with("pwk_") && key.len() == 81, "{key}");
    let id = key.split('_').nth(1).unwrap().to_string();
    let (_, out2, _) = pywarden(&["keys", "create", "--user", "bob", "--db", db]);
    assert_ne!(out2.lines().last().unwrap(), key);

    let (code, list, _) = pywarden(&["keys", "list", "--db", db]);
    assert_eq!(code, 0);
    let line = list.lines().find(|l| l.contains(&id)).unwrap();
    assert!(
        line.contains("alice") && line.contains("active") && line.contains("2.5"),
        "{line}"
    );
    assert!(
        !list.contains(&key[17..]),
        "the secret must never be listed"
    );
    assert!(
        list.lines()
            .any(|l| l.contains("bob") && l.contains("default"))
    );

    let store = pywarden::server::store::Store::open(Path::new(db)).unwrap();
    let info = store.authenticate(&key).unwrap().unwrap();
    assert_eq!(info.limits.daily_executions, Some(5));
    assert_eq!(info.limits.max_concurrent, Some(3));

    assert_eq!(pywarden(&["keys", "revoke", &id, "--db", db]).0, 0);
    assert_eq!(pywarden(&["keys", "revoke", &id, "--db", db]).0, 1);
    assert!(store.authenticate(&key).unwrap().is_none());
    let (_, list, _) = pywarden(&["keys", "list", "--db", db]);
    assert!(
        list.lines()
            .any(|l| l.contains(&id) && l.contains("revoked"))
    );

    // Usage errors exit 2 with a reason.
    let (code, _, err) = pywarden(&["keys", "create", "--user", "", "--db", db]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = pywarden(&["keys", "create", "--db", db]);
    assert_eq!(code, 2);
    let (code, _, err) = pywarden(&["keys", "list", "--db", "/proc/nonexistent/x.db"]);
    assert_eq!(code, 2, "{err}");
    let bad_cfg = dir.path().join("bad.yaml");
    std::fs::write(&bad_cfg, "listen: [not an address\n").unwrap();
    let (code, _, err) = pywarden(&["serve", "--config", bad_cfg.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.yaml"), "{err}");
}

#[test]
fn acknowledged_records_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("durable.db");
    let (code, out, err) = pywarden(&[
        "keys",
        "create",
        "--user",
        "alice",
        "--db",
        db.to_str().unwrap(),
        "--daily-executions",
        "100000",
        "--max-concurrent",
        "64",
    ]);
    assert_eq!(code, 0, "{err}");
    let key = out.lines().last().unwrap().to_string();

    let (mut child, base) = spawn_child(&db);
    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = client();
        let mut loops = Vec::new();
        for w in 0..8 {
            let (c, base, key, acked) = (c.clone(), base.clone(), key.clone(), Arc::clone(&acked));
            loops.push(tokio::spawn(async move {
                for i in 0.. {
                    let code = format!("print({w}, {i})");
                    let r = c
                        .post(format!("{base}/v1/execute"))
                        .bearer_auth(&key)
                        .json(&json!({"code": code}))
                        .send()
                        .await;
                    let Ok(r) = r else { break };
                    if r.status() != 200 {
                        break;
                    }
                    let Ok(v) = r.json::<Value>().await else {
                        break;
                    };
                    acked
                        .lock()
                        .unwrap()
                        .push((v["id"].as_str().unwrap().to_string(), code));
                }
            }));
        }
        // Kill once a good number of executions were acknowledged (or after a bound).
        let start = Instant::now();
        while acked.lock().unwrap().len() < 200 && start.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for l in loops {
            l.await.unwrap();
        }
    });
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 50,
        "too few acknowledged executions: {}",
        acked.len()
    );

    let (mut child, base) = spawn_child(&db);
    rt.block_on(async {
        let c = client();
        for (id, code) in &acked {
            let r = c
                .get(format!("{base}/v1/executions/{id}"))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "acknowledged execution {id} lost");
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["code"].as_str().unwrap(), code);
        }
        // The quota survived the restart too: at least every acknowledged execution counts.
        let q: Value = c
            .get(format!("{base}/v1/quota"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            q["executions_today"].as_u64().unwrap() >= acked.len() as u64,
            "{q}"
        );
    });
    child.kill().unwrap();
    child.wait().unwrap();
}
