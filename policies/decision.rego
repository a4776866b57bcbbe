# The pywarden decision: combines the `deny` and `warn` findings of every rule file of package
# `pywarden` into one document, `data.pywarden.decision`:
#
#   {"allowed": bool, "score": 0..100, "violations": [{rule, severity, family, message, line, column}]}
#
# Logic lives in Rego, knobs in data (`data.gate`, from policies/gate.yaml and `--data` files).
# Rules are partial sets — `deny contains v if {...}` / `warn contains v if {...}` — so adding a
# rule never edits another. Every rule carries a METADATA block (title = rule id, description,
# custom.why, custom.example) that `pywarden check --format sarif` turns into rule help.
package pywarden

cfg := data.gate

# Rules read `data.gate` directly rather than through `cfg`: on regorus's bytecode VM every use
# of a rule, even an already computed one, is a rule call, and inside a loop over facts that
# adds up.

# Rule ids switched off by configuration.
disabled contains r if some r in data.gate.disabled_rules

# violation builds the structured finding for `rule` at location `loc` (any object with
# `line` and `column`), taking severity and family from `data.gate.rules`.
violation(rule, loc, msg) := {
	"rule": rule,
	"severity": r.severity,
	"family": r.family,
	"message": msg,
	"line": loc.line,
	"column": loc.column,
} if {
	r := data.gate.rules[rule]
}

# The location of a whole-file finding (no better position known).
file_start := {"line": 1, "column": 1}

# With no rule switched off (the default) the findings are the rule sets themselves.
denied := deny if count(data.gate.disabled_rules) == 0

denied := {v | some v in deny; not disabled[v.rule]} if count(data.gate.disabled_rules) > 0

warned := warn if count(data.gate.disabled_rules) == 0

warned := {v | some v in warn; not disabled[v.rule]} if count(data.gate.disabled_rules) > 0

findings := denied | warned

score := min([100, sum([data.gate.weights[v.severity] | some v in findings])])

allowed := count(denied) == 0

decision := {
	"allowed": allowed,
	"score": score,
	"violations": findings,
}
