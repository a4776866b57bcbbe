//! Shared by the policy equivalence tests (tests/policy_vm.rs, tests/check_perf_policy.rs):
//! the Python files they evaluate and a loop that evaluates each file's facts two ways and
//! requires identical verdicts.

use std::path::{Path, PathBuf};

use pywarden::parse::Limits;
use pywarden::policy::{Verdict, input};

/// Every `.py` file below `dir`, sorted, skipping test directories and site-packages.
pub fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !matches!(name, "test" | "tests" | "idle_test" | "site-packages") {
                python_files(&path, out);
            }
        } else if name.ends_with(".py") {
            out.push(path);
        }
    }
}

/// Every case of the project's `corpus/`.
pub fn corpus() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files = Vec::new();
    python_files(&root, &mut files);
    assert!(files.len() >= 200, "corpus not found at {}", root.display());
    files
}

/// The non-test modules of the CPython standard library, if one is installed (empty if not).
pub fn stdlib() -> Vec<PathBuf> {
    let pyenv = Path::new("/root/.pyenv/versions/3.11.7/lib/python3.11");
    let dir = if pyenv.is_dir() {
        pyenv.to_path_buf()
    } else {
        PathBuf::from("/usr/lib/python3.11")
    };
    let mut files = Vec::new();
    python_files(&dir, &mut files);
    files
}

/// Evaluates the facts of each of `files` (those that parse) with `a` and `b`, which must
/// agree; `what` names the disagreement. Returns (units compared, violations seen).
pub fn compare(
    files: &[PathBuf],
    extra: &[String],
    what: &str,
    a: impl Fn(regorus::Value) -> Verdict,
    b: impl Fn(regorus::Value) -> Verdict,
) -> (usize, usize) {
    let (mut units, mut violations) = (0, 0);
    for path in files {
        let bytes = std::fs::read(path).unwrap();
        let Ok(facts) = pywarden::facts::extract(&bytes, &Limits::default()) else {
            continue;
        };
        let value = input::input_value(&facts, extra);
        let left = a(value.clone());
        let right = b(value);
        assert_eq!(left, right, "{what} on {}", path.display());
        units += 1;
        violations += right.violations.len();
    }
    (units, violations)
}
