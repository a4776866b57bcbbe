//! Fuzz target `analyze`: arbitrary bytes → parse → facts → policy verdict.
//! Invariants: no panic, no abort (stack), bounded time; a unit that cannot be parsed is denied
//! with a located error, never allowed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pywarden::check::Checker;
use pywarden::source::SourceUnit;

fn checker() -> &'static Checker {
    static C: OnceLock<Checker> = OnceLock::new();
    C.get_or_init(|| Checker::new(None, &[]).expect("default policy loads"))
}

fuzz_target!(|data: &[u8]| {
    let unit = SourceUnit {
        path: "fuzz.py".into(),
        bytes: data.to_vec(),
        line_offset: 0,
    };
    let report = checker().check_unit(&unit);
    if report.error.is_some() {
        assert!(!report.allowed, "a unit with an error must be denied");
    }
    assert!(report.score <= 100);
    for v in &report.violations {
        assert!(v.line >= 1, "violation without a line: {v:?}");
    }
});
