//! Policy evaluation cost per unit, on a synthetic facts document shaped like a large
//! standard-library module (many imports, module-member accesses and calls). Run with
//! `cargo bench --bench policy`; prints µs per evaluation for each input conversion path.

use std::time::Instant;

use pywarden::policy::PolicyEngine;

fn synthetic(n_attr: usize, n_calls: usize) -> pywarden::facts::Facts {
    let mods = ["os", "sys", "re", "collections", "functools", "typing"];
    let imports: Vec<serde_json::Value> = mods
        .iter()
        .enumerate()
        .map(|(i, m)| {
            serde_json::json!({"kind": "import", "module": m, "top": m, "name": null,
            "alias": null, "level": 0, "line": i + 1, "column": 1})
        })
        .collect();
    let attributes: Vec<serde_json::Value> = (0..n_attr)
        .map(|i| {
            let (attr, kind) = match i % 10 {
                0 => ("__name__", "dunder"),
                1 => ("_private", "private"),
                _ => ("path", "member"),
            };
            serde_json::json!({"attr": attr, "kind": kind, "module": mods[i % mods.len()],
                "via": "attribute", "context": "load", "line": 10 + i, "column": 5})
        })
        .collect();
    let calls: Vec<serde_json::Value> = (0..n_calls)
        .map(|i| {
            serde_json::json!({"func": if i % 7 == 0 { "getattr" } else { "os.path.join" },
            "args": ["a", null], "nargs": 2, "constant_args": false, "line": 10 + i, "column": 1})
        })
        .collect();
    let names: Vec<serde_json::Value> = (0..20)
        .map(|i| {
            serde_json::json!({"name": if i % 2 == 0 { "open" } else { "vars" }, "raw": null,
            "context": "call", "shadowed": false, "line": 5 + i, "column": 1})
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "version": 1, "imports": imports, "names": names, "attributes": attributes,
        "calls": calls, "strings": [],
        "encoding": {"declared": null, "line": null, "bom": false, "suspicious_chars": []},
        "complexity": {"bytes": 50000, "lines": 1500, "nodes": 20000, "cyclomatic_total": 300,
            "cyclomatic_max": 25, "cyclomatic_max_at": {"line": 3, "column": 1}, "max_nesting": 6,
            "max_expression_depth": 12, "max_literal_bytes": 300, "max_collection_items": 40,
            "bombs": [], "infinite_loops": []}
    }))
    .unwrap()
}

fn time_value(engine: &PolicyEngine, input: &regorus::Value, label: &str) {
    let iters = 200;
    let start = Instant::now();
    for _ in 0..iters {
        let _ = engine.evaluate_value(input.clone());
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / iters as f64;
    println!("{label}: {per:9.1} µs/eval");
}

fn main() {
    let mut tiny = pywarden::policy::PolicySet::default();
    tiny.modules.push((
        "t.rego".into(),
        "package pywarden\n\ndecision := {\"allowed\": true, \"score\": 0, \"violations\": []}\n"
            .into(),
    ));
    let tiny = PolicyEngine::from_set(&tiny, &[]).unwrap();
    time_value(
        &tiny,
        &regorus::Value::new_object(),
        "constant policy, empty input",
    );
    let mut tiny_data = pywarden::policy::PolicySet::embedded();
    tiny_data.modules = vec![(
        "t.rego".into(),
        "package pywarden\n\ndecision := {\"allowed\": true, \"score\": 0, \"violations\": [], \"x\": data.gate.limits}\n".into(),
    )];
    let tiny_data = PolicyEngine::from_set(&tiny_data, &[]).unwrap();
    time_value(
        &tiny_data,
        &regorus::Value::new_object(),
        "constant policy reading gate.yaml data",
    );
    let full = PolicyEngine::load(None, &[]).unwrap();
    let empty = pywarden::policy::input::input_value(&pywarden::facts::Facts::default(), &[]);
    time_value(&full, &empty, "default policy, empty facts");
    if std::env::var("ABLATE").is_ok() {
        let facts = synthetic(300, 100);
        let full = pywarden::policy::PolicySet::embedded();
        for skip in [
            "",
            "attributes.rego",
            "builtins.rego",
            "imports.rego",
            "obfuscation.rego",
            "resources.rego",
        ] {
            let mut set = full.clone();
            set.modules.retain(|(n, _)| n != skip);
            let e = PolicyEngine::from_set(&set, &[]).unwrap();
            let start = Instant::now();
            for _ in 0..20 {
                let _ = e.evaluate(&facts, &[]).unwrap();
            }
            let big = start.elapsed().as_secs_f64() * 1e6 / 20.0;
            let empty = pywarden::facts::Facts::default();
            let start = Instant::now();
            for _ in 0..200 {
                let _ = e.evaluate(&empty, &[]).unwrap();
            }
            let small = start.elapsed().as_secs_f64() * 1e6 / 200.0;
            println!(
                "without {skip:20}: {big:9.1} µs/eval (300 attrs), {small:9.1} µs/eval (empty facts)"
            );
        }
        return;
    }
    let engine = PolicyEngine::load(None, &[]).unwrap();
    time_value(
        &engine,
        &regorus::Value::new_object(),
        "default policy, empty input",
    );
    for (n_attr, n_calls) in [(0, 0), (50, 20), (300, 100), (1500, 500)] {
        let facts = synthetic(n_attr, n_calls);
        let iters = if n_attr > 1000 { 20 } else { 100 };
        let _ = engine.evaluate(&facts, &[]).unwrap();
        let start = Instant::now();
        let mut violations = 0;
        for _ in 0..iters {
            violations = engine.evaluate(&facts, &[]).unwrap().violations.len();
        }
        let per = start.elapsed().as_secs_f64() * 1e6 / iters as f64;
        println!(
            "attributes={n_attr:5} calls={n_calls:4}: {per:9.1} µs/eval ({violations} violations)"
        );
    }
}
