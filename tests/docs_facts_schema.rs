//! The facts-document table in `docs/policies.md` matches what the code produces: every JSON
//! key path that `facts::extract` (what `pywarden analyze` prints) emits on the corpus is
//! documented with the right type, and every documented field still exists. Fails both ways.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pywarden::facts;
use pywarden::parse::Limits;

const BEGIN: &str = "<!-- facts-fields:begin";
const END: &str = "<!-- facts-fields:end";

/// `path → allowed JSON types` from the table between the markers.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policies.md"))
            .expect("docs/policies.md exists");
    let start = doc.find(BEGIN).expect("begin marker in docs/policies.md");
    let end = doc.find(END).expect("end marker in docs/policies.md");
    let mut out = BTreeMap::new();
    for line in doc[start..end].lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| `path` | type | meaning |` → ["", "`path`", "type", "meaning", ""]
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let path = cells[1].trim_matches('`').to_string();
        let types: BTreeSet<String> = cells[2]
            .split(" or ")
            .map(|t| t.trim().to_string())
            .collect();
        for t in &types {
            assert!(
                [
                    "string", "integer", "number", "boolean", "array", "object", "null"
                ]
                .contains(&t.as_str()),
                "docs/policies.md: `{path}` has unknown type `{t}`"
            );
        }
        assert!(
            out.insert(path.clone(), types).is_none(),
            "`{path}` documented twice"
        );
    }
    assert!(out.len() > 20, "the table has only {} rows", out.len());
    out
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Every key path under `v` (array elements as `[]`), with the types seen there.
fn collect(v: &serde_json::Value, prefix: &str, out: &mut BTreeMap<String, BTreeSet<String>>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.entry(path.clone())
                    .or_default()
                    .insert(json_type(x).to_string());
                collect(x, &path, out);
            }
        }
        serde_json::Value::Array(xs) => {
            for x in xs {
                collect(x, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            python_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "py") {
            out.push(p);
        }
    }
}

/// Snippets that exercise every fact kind, in case the corpus ever stops doing so.
const SNIPPETS: &[&str] = &[
    "# -*- coding: utf-8 -*-\nimport os.path as p\nfrom . import x\nfrom a import *\n__import__('o' + 's')\n",
    "e = eval\nprint(ｅｖａｌ)\nx.__class__.__mro__\ngetattr(x, '__glo' + 'bals__')\nimport random\nrandom._os\n",
    "def f(x):\n    if x:\n        return 1\n    return 2\nwhile True:\n    pass\ny = 10 ** 10 ** 10\n",
    "s = 'a\u{202e}b'\nz = ''.join(['__', 'class', '__'])\n",
];

#[test]
fn facts_table_matches_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files = Vec::new();
    python_files(&root, &mut files);
    assert!(files.len() > 100, "corpus has only {} files", files.len());
    let mut seen = BTreeMap::new();
    let mut analysed = 0;
    let inputs = files
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .chain(SNIPPETS.iter().map(|s| s.as_bytes().to_vec()));
    for bytes in inputs {
        // Units that do not parse produce an error, not a facts document.
        if let Ok(f) = facts::extract(&bytes, &Limits::default()) {
            collect(&serde_json::to_value(&f).unwrap(), "", &mut seen);
            analysed += 1;
        }
    }
    assert!(analysed > 100);

    let documented = documented();
    let mut problems = Vec::new();
    for (path, types) in &seen {
        match documented.get(path) {
            None => problems.push(format!("undocumented field `{path}` ({types:?})")),
            Some(doc_types) => {
                for t in types {
                    if !doc_types.contains(t) {
                        problems.push(format!(
                            "`{path}` is documented as {doc_types:?} but the code produced {t}"
                        ));
                    }
                }
            }
        }
    }
    for path in documented.keys() {
        if !seen.contains_key(path) {
            problems.push(format!(
                "documented field `{path}` never produced by the code"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/policies.md is out of date:\n{}",
        problems.join("\n")
    );
}

#[test]
fn analyze_cli_prints_the_same_document() {
    // `pywarden analyze` is how users see the facts: same keys as the library's document.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/facts/attributes.py");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pywarden"))
        .args(["analyze", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lib = facts::extract(&std::fs::read(&file).unwrap(), &Limits::default()).unwrap();
    assert_eq!(cli, serde_json::to_value(&lib).unwrap());
}
