# Tests of policies/resources.rego: each rule with positive and negative cases.
package pywarden_test

test_resource_bomb_power_tower if {
	"resource-bomb" in denied({"complexity": cx({"bombs": [object.union(at, {"kind": "power", "log10_size": 1e9})]})})
}

test_resource_bomb_repeat if {
	"resource-bomb" in denied({"complexity": cx({"bombs": [object.union(at, {"kind": "repeat", "log10_size": 10})]})})
}

test_resource_bomb_small_is_ok if {
	not "resource-bomb" in denied({"complexity": cx({"bombs": [object.union(at, {"kind": "power", "log10_size": 3})]})})
}

test_resource_bomb_threshold_from_data if {
	r := {v.rule | some v in data.pywarden.denied} with input as {"complexity": cx({"bombs": [object.union(at, {"kind": "power", "log10_size": 3})]})}
		with data.gate.limits.max_bomb_log10 as 2
	"resource-bomb" in r
}

test_infinite_loop if {
	"infinite-loop" in denied({"complexity": cx({"infinite_loops": [at]})})
}

test_infinite_loop_none if {
	not "infinite-loop" in denied({"complexity": cx({})})
}

test_complexity_cyclomatic if {
	"complexity" in denied({"complexity": cx({"cyclomatic_max": 500, "cyclomatic_max_at": at})})
}

test_complexity_nesting_and_nodes if {
	"complexity" in denied({"complexity": cx({"max_nesting": 100})})
	"complexity" in denied({"complexity": cx({"nodes": 10000000})})
	"complexity" in denied({"complexity": cx({"max_expression_depth": 1000})})
}

test_complexity_ok if {
	not "complexity" in denied({"complexity": cx({"cyclomatic_max": 10})})
}

test_complexity_warning if {
	inp := {"complexity": cx({"cyclomatic_max": 40, "cyclomatic_max_at": at})}
	"complexity-warning" in warned(inp)
	not "complexity" in denied(inp)
}

test_complexity_warning_not_below_threshold if {
	not "complexity-warning" in warned({"complexity": cx({"cyclomatic_max": 10})})
}

test_huge_literal_string if {
	"huge-literal" in denied({"complexity": cx({"max_literal_bytes": 50000000})})
}

test_huge_literal_collection if {
	"huge-literal" in denied({"complexity": cx({"max_collection_items": 5000000})})
}

test_huge_literal_small_ok if {
	not "huge-literal" in denied({"complexity": cx({"max_literal_bytes": 100, "max_collection_items": 100})})
}

test_too_many_facts if {
	"too-many-facts" in denied({"truncated": true})
}

test_too_many_facts_not_when_complete if {
	not "too-many-facts" in denied({"truncated": false, "complexity": cx({})})
}
