//! HTTP-level tests of `pywarden serve` over real loopback HTTP, with the test-double engine
//! (see `server_support`): authentication, quota exactness under concurrency, request limits,
//! record ownership and pagination, queue timeout, graceful shutdown, metrics and the OpenAPI
//! document against the router.

mod server_support;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use pywarden::server::store::KeyLimits;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server_support::*;
use tokio::sync::Semaphore;

fn limits(daily: u64, conc: u32) -> KeyLimits {
    KeyLimits {
        daily_executions: Some(daily),
        daily_cpu_seconds: None,
        max_concurrent: Some(conc),
    }
}

async fn quota_of(c: &reqwest::Client, s: &TestServer, key: &str) -> Value {
    let r = c
        .get(s.url("/v1/quota"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn error_code(r: reqwest::Response) -> (StatusCode, String, String) {
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    (
        status,
        v["error"]["code"].as_str().unwrap_or_default().to_string(),
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_unknown_or_revoked_keys_get_401() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(&db, "alice", KeyLimits::default());
    let s = TestServer::start(test_config(&db), Arc::new(FakeEngine::new())).await;
    let c = client();
    let body = json!({"code": "print(1)"});

    let r = c
        .post(s.url("/v1/execute"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    for bad in [
        "Bearer nope".to_string(),
        format!("Basic {key}"),
        format!("Bearer {}x", key),
        "Bearer pwk_000000000000_".to_string() + &"0".repeat(64),
        "Bearer".to_string(),
    ] {
        for path in ["/v1/execute", "/v1/analyze", "/v1/redact"] {
            let r = c
                .post(s.url(path))
                .header("authorization", &bad)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path} {bad}");
        }
    }
    for path in ["/v1/quota", "/v1/executions", "/v1/executions/abc"] {
        let r = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // The real key works; after revocation it does not.
    let r = c
        .post(s.url("/v1/analyze"))
        .bearer_auth(&key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let id = key.split('_').nth(1).unwrap();
    assert!(s.state.store.revoke_key(id).unwrap());
    let r = c
        .post(s.url("/v1/analyze"))
        .bearer_auth(&key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Unauthenticated endpoints.
    for path in ["/healthz", "/metrics", "/openapi.json"] {
        let r = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    // An oversized body without a key is still a 401 (auth comes first).
    let big = json!({"code": "x".repeat(200_000)});
    let r = c
        .post(s.url("/v1/execute"))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_quota_is_exact_under_60_concurrent_requests() {
    daily_quota_is_exact(false).await;
}

/// The same with an engine that runs on one blocking thread (the local backend's path).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_quota_is_exact_under_60_concurrent_requests_blocking_engine() {
    daily_quota_is_exact(true).await;
}

/// Two runs that cannot start are refunded; then 60 concurrent executions (a third of them
/// gate-denied) against a daily quota of 20: exactly 20 succeed, the rest get 429.
async fn daily_quota_is_exact(blocking: bool) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(&db, "alice", limits(20, 1000));
    let other = create_key(&db, "bob", limits(20, 1000));
    let mut engine = FakeEngine::new();
    engine.blocking = blocking;
    engine.delay = Duration::from_millis(5);
    let s = TestServer::start(test_config(&db), Arc::new(engine)).await;
    let c = client();

    // A run that cannot start (the sandbox is unavailable) is a 503 and gives its reservation
    // back: it costs no quota.
    for _ in 0..2 {
        let r = c
            .post(s.url("/v1/execute"))
            .bearer_auth(&key)
            .json(&json!({"code": "unavailable()"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    let q = quota_of(&c, &s, &key).await;
    assert_eq!(
        (q["executions_today"].clone(), q["in_flight"].clone()),
        (json!(0), json!(0))
    );

    let mut tasks = Vec::new();
    for i in 0..60 {
        let (c, url, key) = (c.clone(), s.url("/v1/execute"), key.clone());
        // Gate-denied code counts against the quota too.
        let code = if i % 3 == 0 {
            "deny()".to_string()
        } else {
            format!("print({i})")
        };
        tasks.push(tokio::spawn(async move {
            let r = c
                .post(url)
                .bearer_auth(key)
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            (r.status(), retry)
        }));
    }
    let mut ok = 0;
    let mut limited = 0;
    for t in tasks {
        match t.await.unwrap() {
            (StatusCode::OK, _) => ok += 1,
            (StatusCode::TOO_MANY_REQUESTS, Some(retry)) => {
                let secs: u64 = retry.parse().unwrap();
                assert!((1..=86_400).contains(&secs), "Retry-After {secs}");
                limited += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, limited), (20, 40));
    let q = quota_of(&c, &s, &key).await;
    assert_eq!(q["executions_today"], 20);
    assert_eq!(q["remaining_executions"], 0);
    assert_eq!(q["in_flight"], 0);
    // Exactly 20 durable records.
    let r = c
        .get(s.url("/v1/executions?limit=100"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    assert_eq!(list["executions"].as_array().unwrap().len(), 20);
    // Another user is unaffected.
    let q = quota_of(&c, &s, &other).await;
    assert_eq!(q["executions_today"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_user_concurrency_limit_and_queue_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let alice = create_key(&db, "alice", limits(100, 2));
    let bob = create_key(&db, "bob", limits(100, 5));
    let gate = Arc::new(Semaphore::new(0));
    let mut engine = FakeEngine::new();
    engine.gate = Some(Arc::clone(&gate));
    let engine = Arc::new(engine);
    let mut cfg = test_config(&db);
    cfg.limits.max_concurrent_executions = 2;
    cfg.limits.queue_timeout_seconds = 0.3;
    let s = TestServer::start(cfg, engine.clone()).await;
    let c = client();

    let send = |key: String| {
        let (c, url) = (c.clone(), s.url("/v1/execute"));
        tokio::spawn(async move {
            let r = c
                .post(url)
                .bearer_auth(key)
                .json(&json!({"code": "print(1)"}))
                .send()
                .await
                .unwrap();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            (r.status(), retry)
        })
    };
    // Alice fills both execution slots.
    let a1 = send(alice.clone());
    let a2 = send(alice.clone());
    while engine.started.load(std::sync::atomic::Ordering::SeqCst) < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Her third concurrent execution exceeds her max_concurrent: 429 with Retry-After 1.
    let (status, retry) = send(alice.clone()).await.unwrap();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry.as_deref(), Some("1"));
    // Bob is admitted by his quota but no slot frees up within the queue timeout: 503.
    let (status, retry) = send(bob.clone()).await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(retry.as_deref(), Some("1"));
    // The shed request was refunded.
    assert_eq!(quota_of(&c, &s, &bob).await["executions_today"], 0);
    let q = quota_of(&c, &s, &alice).await;
    assert_eq!(
        (q["executions_today"].clone(), q["in_flight"].clone()),
        (json!(2), json!(2))
    );
    gate.add_permits(2);
    assert_eq!(a1.await.unwrap().0, StatusCode::OK);
    assert_eq!(a2.await.unwrap().0, StatusCode::OK);
    let q = quota_of(&c, &s, &alice).await;
    assert_eq!(q["in_flight"], 0);
    assert!((q["cpu_seconds_today"].as_f64().unwrap() - 0.02).abs() < 1e-9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_quota_blocks_once_spent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(
        &db,
        "alice",
        KeyLimits {
            daily_executions: Some(100),
            daily_cpu_seconds: Some(1.0),
            max_concurrent: Some(1),
        },
    );
    let mut engine = FakeEngine::new();
    engine.cpu_seconds = 0.6;
    let s = TestServer::start(test_config(&db), Arc::new(engine)).await;
    let c = client();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = c
            .post(s.url("/v1/execute"))
            .bearer_auth(&key)
            .json(&json!({"code": "x"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_400_413_422_and_cost_no_quota() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(&db, "alice", limits(100, 10));
    let s = TestServer::start(test_config(&db), Arc::new(FakeEngine::new())).await;
    let c = client();
    let post_raw = |path: &str, body: Vec<u8>| {
        c.post(s.url(path))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for path in ["/v1/execute", "/v1/analyze", "/v1/redact"] {
        // Body over the cap (64 KiB in tests).
        let big = format!("{{\"code\": \"{}\"}}", "x".repeat(100_000));
        let (st, code, _) = error_code(post_raw(path, big.into_bytes()).await.unwrap()).await;
        assert_eq!(
            (st, code.as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            "{path}"
        );
        // Malformed JSON.
        for body in ["{", "", "not json", "nul", "{\""] {
            let (st, code, _) = error_code(post_raw(path, body.into()).await.unwrap()).await;
            assert_eq!(
                (st, code.as_str()),
                (StatusCode::BAD_REQUEST, "malformed_json"),
                "{path} {body:?}"
            );
        }
        // Invalid UTF-8.
        let (st, _, _) = error_code(
            post_raw(path, b"{\"code\": \"\xff\"}".to_vec())
                .await
                .unwrap(),
        )
        .await;
        assert!(
            st == StatusCode::BAD_REQUEST || st == StatusCode::UNPROCESSABLE_ENTITY,
            "{st}"
        );
    }
    // Code over the code cap (32 KiB) but within the body cap.
    for path in ["/v1/execute", "/v1/analyze"] {
        let body = json!({"code": "x".repeat(40_000)}).to_string();
        let (st, _, msg) = error_code(post_raw(path, body.into_bytes()).await.unwrap()).await;
        assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert!(msg.contains("code"), "{msg}");
    }
    // Wrong or missing fields: 422 naming the field.
    let cases = [
        (json!({"code": 5}), "code"),
        (json!({}), "code"),
        (
            json!({"code": "x", "timeout_seconds": "ten"}),
            "timeout_seconds",
        ),
        (
            json!({"code": "x", "timeout_seconds": 0}),
            "timeout_seconds",
        ),
        (
            json!({"code": "x", "timeout_seconds": 1e9}),
            "timeout_seconds",
        ),
        (json!({"code": "x", "memory_mb": -1}), "memory_mb"),
        (json!({"code": "x", "memory_mb": 1_000_000}), "memory_mb"),
        (
            json!({"code": "x", "max_output_bytes": 0}),
            "max_output_bytes",
        ),
        (json!({"code": "x", "no_analysis": true}), "no_analysis"),
        (json!(["code"]), "object"),
    ];
    for (body, field) in cases {
        let (st, code, msg) = error_code(
            post_raw("/v1/execute", body.to_string().into_bytes())
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (st, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
            "{body}"
        );
        assert!(msg.contains(field), "{body}: {msg}");
    }
    let (st, _, msg) = error_code(
        post_raw("/v1/redact", b"{\"text\": []}".to_vec())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(msg.contains("text"), "{msg}");
    // Bad query parameters.
    for q in [
        "limit=0",
        "limit=abc",
        "limit=100000",
        "cursor=-1",
        "cursor=x",
        "limit=%zz",
    ] {
        let r = c
            .get(s.url(&format!("/v1/executions?{q}")))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
    }
    // None of that cost quota.
    assert_eq!(quota_of(&c, &s, &key).await["executions_today"], 0);
    // Unknown routes and methods are clean 404/405.
    let r = c.get(s.url("/v2/nothing")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .get(s.url("/v1/execute"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    // A deeply nested context is refused cleanly, not a crash.
    let deep = format!(
        "{{\"code\": \"x\", \"context\": {}{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let st = post_raw("/v1/execute", deep.into_bytes())
        .await
        .unwrap()
        .status();
    assert!(st.is_client_error(), "{st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_complete_owner_only_and_paginated() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let alice = create_key(&db, "alice", limits(100, 10));
    let bob = create_key(&db, "bob", limits(100, 10));
    let s = TestServer::start(test_config(&db), Arc::new(FakeEngine::new())).await;
    let c = client();

    let mut ids = Vec::new();
    for i in 0..5 {
        let code = format!("print({i})");
        let r = c
            .post(s.url("/v1/execute"))
            .bearer_auth(&alice)
            .json(&json!({"code": code, "context": {"n": i}, "timeout_seconds": 2.5}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["termination"], "exited");
        assert_eq!(
            v["stdout"],
            format!("ran 8 ctx={{\"n\":{i}}} timeout=2.5s\n")
        );
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let denied: Value = s
        .post_json(&c, &alice, "/v1/execute", &json!({"code": "deny()"}))
        .await;
    assert_eq!(denied["termination"], "denied");
    assert_eq!(denied["verdict"]["allowed"], false);
    assert_eq!(denied["verdict"]["violations"][0]["rule"], "test-deny");

    // The owner reads the full record.
    let r = c
        .get(s.url(&format!("/v1/executions/{}", ids[2])))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let rec: Value = r.json().await.unwrap();
    assert_eq!(rec["user"], "alice");
    assert_eq!(rec["code"], "print(2)");
    assert_eq!(
        rec["code_sha256"],
        pywarden::server::store::sha256_hex("print(2)")
    );
    assert_eq!(rec["result"]["termination"], "exited");
    assert!(rec["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(rec["timings"]["total_seconds"].as_f64().unwrap() >= 0.0);
    let rec: Value = c
        .get(s.url(&format!(
            "/v1/executions/{}",
            denied["id"].as_str().unwrap()
        )))
        .bearer_auth(&alice)
        .send_json()
        .await;
    assert_eq!(rec["result"]["termination"], "denied");

    // Someone else gets 404, exactly as for an id that does not exist.
    for id in [ids[2].as_str(), "0000", "../../etc/passwd"] {
        let r = c
            .get(s.url(&format!("/v1/executions/{id}")))
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{id}");
    }
    let bob_list: Value = s.get_json(&c, &bob, "/v1/executions").await;
    assert_eq!(bob_list["executions"], json!([]));
    assert_eq!(bob_list["next_cursor"], Value::Null);

    // Pagination walks all six, newest first, without repeats.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = s.url("/v1/executions?limit=4");
        if let Some(cur) = &cursor {
            url.push_str(&format!("&cursor={cur}"));
        }
        let page: Value = c.get(url).bearer_auth(&alice).send_json().await;
        for e in page["executions"].as_array().unwrap() {
            seen.push(e["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
    }
    let mut expected: Vec<String> = ids.clone();
    expected.push(denied["id"].as_str().unwrap().to_string());
    expected.reverse();
    assert_eq!(seen, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyze_and_redact_answer_through_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(&db, "alice", KeyLimits::default());
    let s = TestServer::start(test_config(&db), Arc::new(FakeEngine::new())).await;
    let c = client();
    let v: Value = s
        .post_json(&c, &key, "/v1/analyze", &json!({"code": "deny()"}))
        .await;
    assert_eq!(v["allowed"], false);
    assert_eq!(v["score"], 90);
    // Larger code goes through the blocking pool; same answer shape.
    let big = format!("x = 1\n{}", "#\n".repeat(9000));
    let v: Value = s
        .post_json(&c, &key, "/v1/analyze", &json!({"code": big}))
        .await;
    assert_eq!(v["allowed"], true);
    let v: Value = s
        .post_json(&c, &key, "/v1/redact", &json!({"text": "a SECRET b"}))
        .await;
    assert_eq!(v["text"], "a [REDACTED:test-secret] b");
    assert_eq!(v["findings"][0]["rule"], "test-secret");
    // Analysis costs no execution quota.
    assert_eq!(quota_of(&c, &s, &key).await["executions_today"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_in_flight_executions() {
    graceful_shutdown_finishes_in_flight(false).await;
}

/// The same with an engine that runs on one blocking thread (the local backend's path).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_in_flight_executions_blocking_engine() {
    graceful_shutdown_finishes_in_flight(true).await;
}

async fn graceful_shutdown_finishes_in_flight(blocking: bool) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(&db, "alice", KeyLimits::default());
    let gate = Arc::new(Semaphore::new(0));
    let mut engine = FakeEngine::new();
    engine.blocking = blocking;
    engine.gate = Some(Arc::clone(&gate));
    let engine = Arc::new(engine);
    let mut s = TestServer::start(test_config(&db), engine.clone()).await;
    let c = client();
    let (c2, url, k2) = (c.clone(), s.url("/v1/execute"), key.clone());
    let inflight = tokio::spawn(async move {
        c2.post(url)
            .bearer_auth(k2)
            .json(&json!({"code": "print(1)"}))
            .send()
            .await
    });
    while engine.started.load(std::sync::atomic::Ordering::SeqCst) < 1 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    s.trigger_shutdown();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // New connections are refused while the in-flight execution still runs.
    assert!(client().get(s.url("/healthz")).send().await.is_err());
    assert!(!s.handle.is_finished());
    gate.add_permits(1);
    let r = inflight.await.unwrap().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), &mut s.handle)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    // The acknowledged record is stored.
    let id = v["id"].as_str().unwrap();
    assert!(s.state.store.get_execution("alice", id).unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_and_executions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(&db, "alice", KeyLimits::default());
    let s = TestServer::start(test_config(&db), Arc::new(FakeEngine::new())).await;
    let c = client();
    for code in ["print(1)", "print(2)", "deny()"] {
        let r = c
            .post(s.url("/v1/execute"))
            .bearer_auth(&key)
            .json(&json!({"code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let _ = c
        .post(s.url("/v1/execute"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let r = c.get(s.url("/metrics")).send().await.unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = r.text().await.unwrap();
    for needle in [
        "pywarden_http_requests_total{route=\"/v1/execute\",method=\"POST\",status=\"200\"} 3",
        "pywarden_http_requests_total{route=\"/v1/execute\",method=\"POST\",status=\"401\"} 1",
        "pywarden_executions_total{termination=\"exited\"} 2",
        "pywarden_executions_total{termination=\"denied\"} 1",
        "pywarden_http_request_duration_seconds_count{route=\"/v1/execute\"} 4",
        "pywarden_sandbox_pool_size 8",
        "pywarden_sandbox_pool_busy 0",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

/// The OpenAPI document and the router describe the same routes, and real responses validate
/// against the documented schemas.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_matches_routes_and_responses() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(&db, "alice", KeyLimits::default());
    let s = TestServer::start(test_config(&db), Arc::new(FakeEngine::new())).await;
    let c = client();
    let doc: Value = c.get(s.url("/openapi.json")).send_json().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .filter(|m| ["get", "post", "put", "delete", "patch"].contains(&m.as_str()))
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = pywarden::server::routes::route_table()
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, routed);

    // Every documented operation exists on the live server (no 404/405 from the router).
    for (method, path) in &documented {
        let url = s.url(&path.replace("{id}", "missing"));
        let req = if method == "POST" {
            c.post(url).json(&json!({}))
        } else {
            c.get(url)
        };
        let st = req.send().await.unwrap().status();
        assert!(
            st != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {st}"
        );
        if path != "/v1/executions/{id}" {
            assert!(st != StatusCode::NOT_FOUND, "{method} {path}: {st}");
        }
    }

    // Real responses validate against the documented response schemas.
    let components = doc["components"].clone();
    let check = |schema_ref: &Value, instance: &Value, what: &str| {
        let schema = json!({"$ref": schema_ref["$ref"], "components": components});
        if let Err(e) = jsonschema::validate(&schema, instance) {
            panic!("{what}: {e}\ninstance: {instance}\nschema ref: {schema_ref}");
        }
    };
    let resp_schema = |path: &str, method: &str, status: &str| -> Value {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            .clone()
    };
    let exec: Value = s
        .post_json(&c, &key, "/v1/execute", &json!({"code": "print(1)"}))
        .await;
    check(&resp_schema("/v1/execute", "post", "200"), &exec, "execute");
    let denied: Value = s
        .post_json(&c, &key, "/v1/execute", &json!({"code": "deny"}))
        .await;
    check(
        &resp_schema("/v1/execute", "post", "200"),
        &denied,
        "execute denied",
    );
    let rec: Value = s
        .get_json(
            &c,
            &key,
            &format!("/v1/executions/{}", exec["id"].as_str().unwrap()),
        )
        .await;
    check(
        &resp_schema("/v1/executions/{id}", "get", "200"),
        &rec,
        "record",
    );
    let list: Value = s.get_json(&c, &key, "/v1/executions?limit=1").await;
    check(&resp_schema("/v1/executions", "get", "200"), &list, "list");
    let an: Value = s
        .post_json(&c, &key, "/v1/analyze", &json!({"code": "x"}))
        .await;
    check(&resp_schema("/v1/analyze", "post", "200"), &an, "analyze");
    let red: Value = s
        .post_json(&c, &key, "/v1/redact", &json!({"text": "SECRET"}))
        .await;
    check(&resp_schema("/v1/redact", "post", "200"), &red, "redact");
    let q = quota_of(&c, &s, &key).await;
    check(&resp_schema("/v1/quota", "get", "200"), &q, "quota");
    let h: Value = c.get(s.url("/healthz")).send_json().await;
    check(&resp_schema("/healthz", "get", "200"), &h, "healthz");
    let err: Value = c
        .post(s.url("/v1/execute"))
        .json(&json!({}))
        .send_json()
        .await;
    check(&resp_schema("/v1/execute", "post", "401"), &err, "401");
    // The schema is strict: an extra field is rejected (so drift in either direction fails).
    let mut extra = exec.clone();
    extra["surprise"] = json!(1);
    let schema = json!({"$ref": resp_schema("/v1/execute", "post", "200")["$ref"], "components": components});
    assert!(jsonschema::validate(&schema, &extra).is_err());
    // Every operation except the service ones requires the bearer scheme.
    let ops: HashSet<&str> = [
        "/v1/execute",
        "/v1/analyze",
        "/v1/redact",
        "/v1/quota",
        "/v1/executions",
        "/v1/executions/{id}",
    ]
    .into();
    for (method, path) in &documented {
        let sec = &doc["paths"][path][method.to_lowercase()]["security"];
        assert_eq!(
            ops.contains(path.as_str()),
            sec.is_array(),
            "{method} {path}"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}
