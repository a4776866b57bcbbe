//! Fuzz target `policy`: arbitrary JSON (as facts-shaped input) → verdict.
//! Invariants: no panic; evaluation either fails with an error or yields a score in 0..=100.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pywarden::policy::PolicyEngine;

fn engine() -> &'static PolicyEngine {
    static E: OnceLock<PolicyEngine> = OnceLock::new();
    E.get_or_init(|| PolicyEngine::load(None, &[]).expect("default policy loads"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(verdict) = engine().evaluate_value(regorus::Value::from(json)) {
        assert!(verdict.score <= 100);
        if !verdict.violations.is_empty() {
            // A denial must be explained; an allowed verdict may still carry warnings.
            assert!(verdict.violations.iter().all(|v| !v.rule.is_empty()));
        }
    }
});
