//! E2B backend against the in-repo stand-in server (E2B's wire protocol on 127.0.0.1).
//!
//! Every case ends by checking that each sandbox the stand-in created got a kill request:
//! no billable sandbox is left behind, whatever the path (success, error, timeout, output
//! cap, 502, cancellation, panic).

use std::time::{Duration, Instant};

use pywarden::sandbox::e2b::standin::{StandIn, StandInOptions};
use pywarden::sandbox::e2b::{ControlPlane, E2bBackend, E2bConfig, KillGuard};
use pywarden::sandbox::{Backend, Job, RunOutput, SandboxConfig, SandboxError, Termination};
use serde_json::json;

async fn standin(opts: StandInOptions) -> StandIn {
    StandIn::start(StandInOptions {
        keepalive: Duration::from_millis(100),
        ..opts
    })
    .await
    .expect("stand-in starts")
}

fn config(si: &StandIn, key: &str) -> E2bConfig {
    let mut cfg = E2bConfig::from_lookup(|name| match name {
        "E2B_API_KEY" => Some(key.to_string()),
        "E2B_API_URL" => Some(si.api_url.clone()),
        "E2B_SANDBOX_URL" => Some(si.sandbox_url.clone()),
        _ => None,
    })
    .expect("valid config");
    cfg.retry_base_delay = Duration::from_millis(5);
    cfg.retry_max_delay = Duration::from_millis(50);
    cfg
}

fn backend(si: &StandIn) -> E2bBackend {
    E2bBackend::new(config(si, si.api_key())).expect("backend builds")
}

fn job(code: &str) -> Job {
    Job {
        code: code.to_string(),
        context: None,
        config: SandboxConfig::default(),
    }
}

async fn assert_all_killed(si: &StandIn) {
    assert!(
        si.wait_all_killed(Duration::from_secs(3)).await,
        "sandboxes left alive: {:?}",
        si.not_killed()
    );
}

async fn run(b: &E2bBackend, j: &Job) -> RunOutput {
    b.run(j).await.expect("run succeeds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_runs_for_real_and_sandbox_is_created_as_configured() {
    let si = standin(StandInOptions::default()).await;
    let b = backend(&si);
    assert_eq!(b.name(), "e2b");
    let out = run(&b, &job("print(6 * 7)")).await;
    assert_eq!(out.stdout, "42\n");
    assert_eq!(out.stderr, "");
    assert_eq!(out.exit_code, Some(0));
    assert_eq!(out.termination, Some(Termination::Exited));
    assert_eq!(out.error_message, None);
    assert!(!out.truncated);
    assert!(out.execution_time_seconds > 0.0);

    let bodies = si.create_bodies();
    assert_eq!(bodies.len(), 1);
    let body = &bodies[0];
    assert_eq!(body["templateID"], "code-interpreter-v1");
    assert_eq!(body["timeout"], 40, "default 10 s job + 30 s margin");
    assert_eq!(body["secure"], true);
    assert_eq!(body["allow_internet_access"], false);
    assert_eq!(body["metadata"], json!({"pywarden": "1"}));
    let execs = si.executions();
    assert_eq!(execs.len(), 1);
    assert_eq!(execs[0].env_vars, json!({}), "env_vars are never used");
    assert_eq!(si.kill_requests(), si.created());
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exception_becomes_error_message_and_traceback() {
    let si = standin(StandInOptions::default()).await;
    let out = run(
        &backend(&si),
        &job("print('before')\n1 / 0\nprint('after')"),
    )
    .await;
    assert_eq!(out.stdout, "before\n");
    assert_eq!(
        out.error_message.as_deref(),
        Some("ZeroDivisionError: division by zero")
    );
    assert_eq!(out.exit_code, Some(1));
    assert_eq!(out.termination, Some(Termination::Exited));
    assert!(out.stderr.contains("Traceback"), "{}", out.stderr);
    assert!(
        out.stderr
            .trim_end()
            .ends_with("ZeroDivisionError: division by zero"),
        "{}",
        out.stderr
    );
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_drops_the_connection_and_kills_the_sandbox() {
    let si = standin(StandInOptions::default()).await;
    let mut j = job("import time\nprint('start', flush=True)\ntime.sleep(30)\nprint('never')");
    j.config.timeout = Duration::from_millis(1500);
    let t = Instant::now();
    let out = run(&backend(&si), &j).await;
    let took = t.elapsed();
    assert_eq!(out.termination, Some(Termination::Timeout));
    assert_eq!(out.exit_code, None);
    assert_eq!(out.stdout, "start\n", "output before the deadline is kept");
    assert!(out.error_message.unwrap().starts_with("TimeoutError"));
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(out.execution_time_seconds >= 1.5);
    // The stand-in kept streaming keepalives until we went away, then saw the drop.
    assert_all_killed(&si).await;
    let until = Instant::now() + Duration::from_secs(3);
    while !si.executions()[0].client_disconnected && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(si.executions()[0].client_disconnected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_is_retried_on_429_and_503() {
    let si = standin(StandInOptions {
        create_failures: vec![429, 503, 429],
        ..Default::default()
    })
    .await;
    let out = run(&backend(&si), &job("print(6 * 7)")).await;
    assert_eq!(out.stdout, "42\n");
    assert_eq!(si.create_attempts(), 4);
    assert_eq!(si.created().len(), 1);
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_retries_are_bounded() {
    let si = standin(StandInOptions {
        create_failures: vec![429; 10],
        ..Default::default()
    })
    .await;
    let mut cfg = config(&si, si.api_key());
    cfg.create_attempts = 3;
    let err = E2bBackend::new(cfg)
        .unwrap()
        .run(&job("print(1)"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SandboxError::Remote(m) if m.contains("429") && m.contains("3 attempt")),
        "{err}"
    );
    assert_eq!(si.create_attempts(), 3);
    assert!(si.created().is_empty());
    assert!(si.executions().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_key_is_a_configuration_error_without_the_key() {
    let si = standin(StandInOptions::default()).await;
    let secret = "e2b_wrongwrongwrong0123";
    let err = E2bBackend::new(config(&si, secret))
        .unwrap()
        .run(&job("print(1)"))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SandboxError::Config(_)), "{msg}");
    assert!(msg.contains("E2B_API_KEY") && msg.contains("401"), "{msg}");
    assert!(!msg.contains(secret));
    assert_eq!(si.bad_auth(), 1, "401 is not retried");
    assert!(si.created().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_plane_502_is_sandbox_gone_and_still_killed() {
    let si = standin(StandInOptions {
        expire_on_create: true,
        ..Default::default()
    })
    .await;
    let err = backend(&si).run(&job("print(1)")).await.unwrap_err();
    assert!(
        matches!(&err, SandboxError::Remote(m) if m.contains("sandbox gone") && m.contains("502")),
        "{err}"
    );
    assert!(si.executions().is_empty(), "nothing ran");
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_killed_mid_run_is_reported_as_gone() {
    let si = standin(StandInOptions::default()).await;
    let b = backend(&si);
    let control = ControlPlane::new(&config(&si, si.api_key())).unwrap();
    let j = job("import time\ntime.sleep(20)");
    let killer = async {
        while si.executions().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        control.kill(&si.created()[0]).await.unwrap();
    };
    let (res, ()) = tokio::join!(b.run(&j), killer);
    let err = res.unwrap_err();
    assert!(
        matches!(&err, SandboxError::Remote(m) if m.contains("sandbox gone")),
        "{err}"
    );
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_cap_stops_the_stream() {
    let si = standin(StandInOptions::default()).await;
    let mut j = job("while True:\n    print('x' * 99)");
    j.config.max_output_bytes = 10_000;
    j.config.timeout = Duration::from_secs(20);
    let t = Instant::now();
    let out = run(&backend(&si), &j).await;
    assert_eq!(out.termination, Some(Termination::OutputLimit));
    assert!(out.truncated);
    assert_eq!(out.stdout.len() + out.stderr.len(), 10_000);
    assert!(out.stdout.starts_with(&format!("{}\n", "x".repeat(99))));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_is_data_even_when_hostile() {
    let si = standin(StandInOptions::default()).await;
    let hostile = "\"\"\"; import os #";
    let ctx = json!({
        "name": "Alice",
        "evil": hostile,
        "quote": "')\nimport os\n#",
        "n": [1, 2.5, null, true],
        "uni": "é\u{2028}✓",
    });
    let mut j = job(
        "print(f'Hello, {context[\"name\"]}!')\nprint(context['evil'])\nprint(repr(context['quote']))\n\
         print(context['n'])\nprint(context['uni'] == 'é\\u2028✓')\nprint('os' in globals())",
    );
    j.context = Some(ctx);
    let out = run(&backend(&si), &j).await;
    assert_eq!(out.error_message, None, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "Hello, Alice!\n{hostile}\n\"')\\nimport os\\n#\"\n[1, 2.5, None, True]\nTrue\nFalse\n"
        )
    );
    let sent = &si.executions()[0];
    assert!(!sent.code.contains("import os"), "{}", sent.code);
    assert!(!sent.code.contains("Alice"));
    assert_eq!(sent.env_vars, json!({}));

    // No context: the name exists and is None.
    let out = run(&backend(&si), &job("print(context)")).await;
    assert_eq!(out.stdout, "None\n");
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn future_imports_still_come_first() {
    // CPython rejects `from __future__` after any other statement: the context line must
    // not break code that starts with a docstring and future imports.
    let si = standin(StandInOptions::default()).await;
    let mut j = job(
        "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n\ndef f(x: Undefined) -> int:\n    return 1\n\nprint(f(0), context['k'], __doc__)",
    );
    j.context = Some(json!({"k": "v"}));
    let out = run(&backend(&si), &j).await;
    assert_eq!(out.error_message, None, "{}", out.stderr);
    assert_eq!(out.stdout, "1 v Doc.\n");
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_line_types_are_ignored() {
    for extra_lines in [true, false] {
        let si = standin(StandInOptions {
            extra_lines,
            ..Default::default()
        })
        .await;
        let out = run(
            &backend(&si),
            &job("import sys\nprint(6 * 7)\nprint('w', file=sys.stderr)"),
        )
        .await;
        assert_eq!(out.stdout, "42\n", "extra_lines={extra_lines}");
        assert_eq!(out.stderr, "w\n");
        assert!(!out.stdout.contains("must not show"));
        assert_all_killed(&si).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_access_token_is_sent_when_issued() {
    let si = standin(StandInOptions {
        traffic_token: true,
        ..Default::default()
    })
    .await;
    let out = run(&backend(&si), &job("print(6 * 7)")).await;
    assert_eq!(out.stdout, "42\n");
    assert_eq!(si.bad_auth(), 0);
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_kills_the_sandbox() {
    let si = standin(StandInOptions::default()).await;
    let b = backend(&si);
    let j = job("import time\ntime.sleep(20)");
    let running = async {
        while si.executions().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    // The caller gives up while the code runs: the run future is dropped mid-stream.
    tokio::select! {
        res = b.run(&j) => panic!("the run should still be going: {res:?}"),
        () = running => {}
    }
    assert_eq!(si.created().len(), 1);
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panic_while_holding_a_sandbox_kills_it() {
    let si = standin(StandInOptions::default()).await;
    let control = ControlPlane::new(&config(&si, si.api_key())).unwrap();
    let task = tokio::spawn(async move {
        let sb = control.create(Duration::from_secs(30)).await.unwrap();
        let _guard = KillGuard::new(control, sb);
        panic!("bug while the sandbox is live");
    });
    assert!(task.await.unwrap_err().is_panic());
    assert_eq!(si.created().len(), 1);
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_each_get_their_own_sandbox() {
    let si = standin(StandInOptions::default()).await;
    let b = backend(&si);
    let jobs: Vec<Job> = (0..6).map(|i| job(&format!("print({i} * 7)"))).collect();
    let outs = futures_util::future::join_all(jobs.iter().map(|j| b.run(j))).await;
    for (i, out) in outs.into_iter().enumerate() {
        assert_eq!(out.unwrap().stdout, format!("{}\n", i * 7));
    }
    assert_eq!(si.created().len(), 6);
    let mut ids: Vec<_> = si.executions().into_iter().map(|e| e.sandbox_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6);
    assert_all_killed(&si).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_pool_hands_out_each_sandbox_once() {
    let si = standin(StandInOptions::default()).await;
    let mut cfg = config(&si, si.api_key());
    cfg.pool_size = 2;
    let b = E2bBackend::new(cfg).unwrap();
    assert_eq!(b.warm_up().await.unwrap(), 2);
    let warm = si.created();
    assert_eq!(warm.len(), 2);
    assert_eq!(si.create_bodies()[0]["timeout"], 300, "idle lifetime");
    for _ in 0..3 {
        assert_eq!(run(&b, &job("print(6 * 7)")).await.stdout, "42\n");
    }
    let used: Vec<_> = si.executions().into_iter().map(|e| e.sandbox_id).collect();
    assert_eq!(&used[..2], &warm[..], "warm sandboxes served first");
    let mut distinct = used.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "each sandbox used once");
    // Taken sandboxes got the job's lifetime before use.
    assert!(
        si.lifetime_updates()
            .iter()
            .any(|(id, secs)| id == &warm[0] && *secs == 40)
    );
    // Refills are in flight in the background; let them land, then shut down.
    tokio::time::sleep(Duration::from_millis(300)).await;
    b.shutdown().await;
    drop(b);
    assert_all_killed(&si).await;
    for id in &used {
        assert!(si.kill_requests().contains(id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_template_is_a_configuration_error() {
    let si = standin(StandInOptions::default()).await;
    let mut cfg = config(&si, si.api_key());
    cfg.template_id = "no-such-template".into();
    let err = E2bBackend::new(cfg)
        .unwrap()
        .run(&job("print(1)"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SandboxError::Config(m) if m.contains("no-such-template") && m.contains("404")),
        "{err}"
    );
    assert_eq!(si.create_attempts(), 1, "not retried");
    assert!(si.created().is_empty());
}
