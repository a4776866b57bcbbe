//! Fuzz target `redact`: arbitrary text → redacted text.
//! Invariants: no detector matches the output again (nothing left behind), redaction is
//! idempotent, and bytes outside findings are preserved in order.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pywarden::redact::Redactor;

fn redactor() -> &'static Redactor {
    static R: OnceLock<Redactor> = OnceLock::new();
    R.get_or_init(|| Redactor::builtin().expect("built-in detectors load"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let r = redactor();
    let once = r.redact(text);
    // Findings are ordered, in bounds and do not overlap.
    let mut last = 0;
    for f in &once.findings {
        assert!(
            f.start >= last && f.start < f.end && f.end <= text.len(),
            "bad span {f:?}"
        );
        last = f.end;
    }
    // Untouched bytes are preserved: rebuild the output from the input and the findings.
    let mut rebuilt = String::new();
    let mut pos = 0;
    for f in &once.findings {
        rebuilt.push_str(&text[pos..f.start]);
        rebuilt.push_str(&format!("[REDACTED:{}]", f.rule));
        pos = f.end;
    }
    rebuilt.push_str(&text[pos..]);
    assert_eq!(rebuilt, once.text, "bytes outside findings changed");
    // Idempotent: nothing is found again in the output.
    let twice = r.redact(&once.text);
    assert!(
        twice.findings.is_empty(),
        "redacted output still matches: {:?}",
        twice.findings
    );
    assert_eq!(twice.text, once.text);
});
