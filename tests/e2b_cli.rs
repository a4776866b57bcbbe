//! `pywarden run --backend e2b` end to end: the real binary against the E2B stand-in.
//!
//! The issue's "done" line — `E2B_API_KEY=... pywarden run --backend e2b -c "print(6 * 7)"`
//! prints 42 against a server that speaks E2B's protocol, every sandbox created is killed, and
//! denied code never leaves the machine.

use std::process::Output;
use std::time::Duration;

use pywarden::sandbox::e2b::standin::{StandIn, StandInOptions};

async fn standin() -> StandIn {
    StandIn::start(StandInOptions {
        keepalive: Duration::from_millis(100),
        ..Default::default()
    })
    .await
    .expect("stand-in starts")
}

async fn pywarden(si: &StandIn, key: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["run", "--backend", "e2b"])
        .args(args)
        .env_remove("E2B_DOMAIN")
        .env_remove("PYWARDEN_E2B_TEMPLATE")
        .env("E2B_API_KEY", key)
        .env("E2B_API_URL", &si.api_url)
        .env("E2B_SANDBOX_URL", &si.sandbox_url)
        .env("RUST_BACKTRACE", "0")
        .output()
        .await
        .expect("run pywarden")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

async fn assert_all_killed(si: &StandIn) {
    assert!(
        si.wait_all_killed(Duration::from_secs(3)).await,
        "sandboxes left alive: {:?}",
        si.not_killed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_6_times_7_prints_42() {
    let si = standin().await;
    let out = pywarden(&si, si.api_key(), &["-c", "print(6 * 7)"]).await;
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "42\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(si.created().len(), 1);
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_result_names_the_backend_and_redacts() {
    let si = standin().await;
    let out = pywarden(
        &si,
        si.api_key(),
        &[
            "-c",
            "print(context['who'])\nprint('AKIAZ7QW3ER5TY6UI2OP')",
            "--context",
            r#"{"who": "\"\"\"; import os #"}"#,
            "--format",
            "json",
        ],
    )
    .await;
    let v = json(&out);
    assert_eq!(v["backend"], "e2b");
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["termination"], "exited");
    assert_eq!(
        v["stdout"],
        "\"\"\"; import os #\n[REDACTED:aws-access-key-id]\n"
    );
    assert_eq!(v["redactions"][0]["rule"], "aws-access-key-id");
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_code_never_reaches_e2b() {
    let si = standin().await;
    let out = pywarden(
        &si,
        si.api_key(),
        &["-c", "import os\nos.system('id')", "--format", "json"],
    )
    .await;
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(v["termination"], "denied");
    assert_eq!(si.create_attempts(), 0, "no sandbox was even requested");
    assert!(si.executions().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exception_and_timeout_through_the_cli() {
    let si = standin().await;
    let out = pywarden(&si, si.api_key(), &["-c", "1 / 0", "--format", "json"]).await;
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(v["error_message"], "ZeroDivisionError: division by zero");
    assert_eq!(v["termination"], "exited");

    let out = pywarden(
        &si,
        si.api_key(),
        &[
            "-c",
            "n = 0\nwhile True:\n    n += 1",
            // The gate refuses this loop; without it the client's deadline holds.
            "--no-analysis",
            "--timeout",
            "1",
            "--format",
            "json",
        ],
    )
    .await;
    let v = json(&out);
    assert_eq!(v["termination"], "timeout", "{v}");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(si.created().len(), 2);
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_key_exits_2_without_echoing_it() {
    let si = standin().await;
    let key = "e2b_not_the_right_key_42";
    let out = pywarden(&si, key, &["-c", "print(1)"]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("E2B_API_KEY") && err.contains("401"), "{err}");
    assert!(!err.contains(key));
    assert!(si.created().is_empty());
}
