//! Regression tests for what the `api_request` fuzz target found in the HTTP layer: every
//! error answer, including the ones axum produces by itself (a method a route does not take, a
//! path parameter that is not valid percent-encoded UTF-8), must carry the API's error shape
//! `{"error": {"code", "message"}}` and a 4xx status, never plain text.

mod server_support;

use std::sync::Arc;

use pywarden::server::store::KeyLimits;
use reqwest::StatusCode;
use serde_json::Value;
use server_support::*;

/// Status, `error.code` and `error.message` of an error answer (panics when it is not JSON in
/// the error shape).
async fn error_of(r: reqwest::Response) -> (StatusCode, String, String) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {text:?}"));
    let code = v["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{text}"));
    let message = v["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{text}"));
    (status, code.to_string(), message.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_method_is_405_in_the_error_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(&db, "alice", KeyLimits::default());
    let s = TestServer::start(test_config(&db), Arc::new(FakeEngine::new())).await;
    let c = client();
    // Found by the fuzzer as `GET /v1/analyze` (seed byte 0x0a): answered `method not allowed`
    // as text/plain.
    for (method, path) in [
        (reqwest::Method::GET, "/v1/analyze"),
        (reqwest::Method::PUT, "/v1/execute"),
        (reqwest::Method::DELETE, "/v1/executions/abc"),
        (reqwest::Method::POST, "/v1/quota"),
    ] {
        let r = c
            .request(method.clone(), s.url(path))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_of(r).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(code, "method_not_allowed", "{method} {path}");
    }
    // The right method on the same routes still works.
    let r = c
        .get(s.url("/v1/quota"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_execution_id_is_400_in_the_error_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let key = create_key(&db, "alice", KeyLimits::default());
    let s = TestServer::start(test_config(&db), Arc::new(FakeEngine::new())).await;
    let c = client();
    // `%FF` percent-decodes to a byte that is not UTF-8: axum's own rejection was plain text.
    let r = c
        .get(s.url("/v1/executions/%FF%FE"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let (status, code, message) = error_of(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code, "bad_request");
    assert!(message.contains("execution id"), "{message}");
    // Without a key the answer is still 401 first (authentication runs before the path).
    let r = c.get(s.url("/v1/executions/%FF")).send().await.unwrap();
    assert_eq!(error_of(r).await.0, StatusCode::UNAUTHORIZED);
    // A well-formed unknown id is a 404, as before.
    let r = c
        .get(s.url("/v1/executions/0123abcd"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await.0, StatusCode::NOT_FOUND);
}
