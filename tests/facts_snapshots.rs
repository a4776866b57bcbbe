//! Snapshot tests of `pywarden analyze --format json` for the fixtures in `corpus/facts/`
//! (one file per concern). A change of behaviour shows up as a reviewable snapshot diff
//! (`cargo insta review`, or `INSTA_UPDATE=always cargo test --test facts_snapshots`).

use std::process::Command;

fn analyze(path: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["analyze", path, "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run pywarden");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{path}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

macro_rules! snapshot {
    ($name:ident) => {
        #[test]
        fn $name() {
            let facts = analyze(concat!("corpus/facts/", stringify!($name), ".py"));
            insta::assert_json_snapshot!(stringify!($name), facts);
        }
    };
}

snapshot!(imports);
snapshot!(names);
snapshot!(attributes);
snapshot!(calls);
snapshot!(strings);
snapshot!(complexity);
snapshot!(encoding);
