# Tests of the decision document and shared fixtures for the other *_test.rego files.
# Run with `pywarden policy test` (every `test_*` rule must evaluate to true).
package pywarden_test

# --- fixtures: facts-document fragments (schema: src/facts/mod.rs) ---

at := {"line": 3, "column": 5}

imp(kind, module, name, level) := object.union(at, {
	"kind": kind,
	"module": module,
	"top": split(module, ".")[0],
	"name": name,
	"alias": null,
	"level": level,
})

name_ref(name, context) := object.union(at, {"name": name, "raw": null, "context": context, "shadowed": false})

shadowed_ref(name, context) := object.union(at, {"name": name, "raw": null, "context": context, "shadowed": true})

attr(a, kind, module, via, context) := object.union(at, {
	"attr": a,
	"kind": kind,
	"module": module,
	"via": via,
	"context": context,
})

dunder(a) := attr(a, "dunder", null, "attribute", "load")

call(func, args) := object.union(at, {
	"func": func,
	"args": args,
	"nargs": count(args),
	"constant_args": every_string(args),
})

every_string(args) if {
	every a in args {
		is_string(a)
	}
}

default every_string(_) := false

str(value, how) := object.union(at, {"value": value, "how": how})

cx(overrides) := object.union({
	"bytes": 10, "lines": 1, "nodes": 5, "cyclomatic_total": 1, "cyclomatic_max": 1,
	"cyclomatic_max_at": null, "max_nesting": 0, "max_expression_depth": 2,
	"max_literal_bytes": 5, "max_collection_items": 0, "bombs": [], "infinite_loops": [],
}, overrides)

# The rule ids denied / warned for an input.
denied(inp) := r if {
	r := {v.rule | some v in data.pywarden.denied} with input as inp
}

warned(inp) := r if {
	r := {v.rule | some v in data.pywarden.warned} with input as inp
}

decision_for(inp) := d if {
	d := data.pywarden.decision with input as inp
}

# --- tests of the decision document ---

empty_facts := {
	"version": 1, "imports": [], "names": [], "attributes": [], "calls": [], "strings": [],
	"encoding": {"declared": null, "line": null, "bom": false, "suspicious_chars": []},
	"complexity": cx({}),
}

test_empty_facts_allowed_with_zero_score if {
	d := decision_for(empty_facts)
	d.allowed == true
	d.score == 0
	count(d.violations) == 0
}

test_denial_sets_allowed_false_and_score if {
	d := decision_for({"imports": [imp("import", "pickle", null, 0)]})
	d.allowed == false
	d.score == 100
	some v in d.violations
	v.rule == "dangerous-module"
	v.severity == "critical"
	v.family == "dangerous-modules"
	v.line == 3
	v.column == 5
}

test_warning_only_is_allowed_with_low_score if {
	d := decision_for({"names": [shadowed_ref("open", "call")]})
	d.allowed == true
	d.score == 5
	count(d.violations) == 1
}

test_score_is_capped_at_100 if {
	d := decision_for({"imports": [imp("import", "requests", null, 0), imp("import", "flask", null, 0), imp("import", "numpy", null, 0)]})
	d.score == 100
}

test_disabled_rule_is_not_reported if {
	d := data.pywarden.decision with input as {"imports": [imp("import", "requests", null, 0)]}
		with data.gate.disabled_rules as ["import-not-allowed"]
	d.allowed == true
	count(d.violations) == 0
}

test_severity_comes_from_data if {
	d := data.pywarden.decision with input as {"imports": [imp("from", ".", "x", 1)]}
		with data.gate.rules["relative-import"].severity as "low"
	some v in d.violations
	v.rule == "relative-import"
	v.severity == "low"
	d.score == 5
}
