//! Recall and decoy loss on a generated corpus: secrets of every built-in detector planted in
//! prose, fenced code, JSON and log lines must all be found by the right detector (recall 100%),
//! and no decoy (UUID, git SHA, digest, base64 image, Luhn-invalid number, invalid SSN,
//! kebab-case `sk-` identifier) may be touched (decoy loss 0).

use std::collections::BTreeMap;

use pywarden::redact::Redactor;
use pywarden::redact::generate::{Generator, Kind};

#[test]
fn recall_is_total_and_decoys_survive_on_generated_text() {
    let r = Redactor::builtin().unwrap();
    let mut g = Generator::builtin(7).unwrap();
    let corpus = g.corpus(Kind::Text, 1_500_000);
    let hits = r.scan(corpus.text.as_bytes());

    let mut per_rule: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for p in &corpus.planted {
        let e = per_rule.entry(p.rule.as_str()).or_default();
        e.0 += 1;
        let found = hits
            .iter()
            .any(|h| r.rule_id(h.detector) == p.rule && h.start <= p.start && h.end >= p.end);
        if found {
            e.1 += 1;
        } else if misses.len() < 20 {
            let ctx_start = p.start.saturating_sub(60);
            let ctx_end = (p.end + 30).min(corpus.text.len());
            let other: Vec<_> = hits
                .iter()
                .filter(|h| h.start < p.end && h.end > p.start)
                .map(|h| r.rule_id(h.detector))
                .collect();
            misses.push(format!(
                "{}: {:?} (overlapping: {other:?})",
                p.rule,
                &corpus.text[ctx_start..ctx_end]
            ));
        }
    }
    // Every detector was planted.
    for id in g.rules() {
        assert!(
            per_rule.get(id).is_some_and(|e| e.0 > 0),
            "{id} never planted"
        );
    }
    assert!(misses.is_empty(), "missed:\n{}", misses.join("\n"));

    let mut lost = Vec::new();
    for d in &corpus.decoys {
        if let Some(h) = hits.iter().find(|h| h.start < d.end && h.end > d.start) {
            lost.push(format!(
                "{} {:?} hit by {}",
                d.kind,
                d.value,
                r.rule_id(h.detector)
            ));
        }
    }
    assert!(
        corpus.decoys.len() > 100,
        "too few decoys: {}",
        corpus.decoys.len()
    );
    assert!(lost.is_empty(), "decoys lost:\n{}", lost.join("\n"));
}

#[test]
fn generator_is_deterministic_for_a_seed() {
    let a = Generator::builtin(3).unwrap().corpus(Kind::Jsonl, 50_000);
    let b = Generator::builtin(3).unwrap().corpus(Kind::Jsonl, 50_000);
    let c = Generator::builtin(4).unwrap().corpus(Kind::Jsonl, 50_000);
    assert_eq!(a.text, b.text);
    assert_ne!(a.text, c.text);
    for line in a.text.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("valid JSON line");
    }
}
