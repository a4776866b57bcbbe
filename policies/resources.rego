# Resource rules: constant expressions that exhaust memory or CPU, loops that never end, and
# code too large or too tangled to review. Thresholds live in `data.gate.limits`.
package pywarden

limits := data.gate.limits

cx := object.get(input, "complexity", {})

# A location, or the start of the file when there is none.
place(loc) := loc if is_object(loc)

place(loc) := file_start if not is_object(loc)

# METADATA
# title: resource-bomb
# description: A constant expression whose result would be astronomically large — exponent towers (`10 ** 10 ** 10`), big repeats (`'a' * 10 ** 9`), big shifts (`1 << 10 ** 9`).
# custom:
#   why: Evaluating it exhausts memory or pins a CPU for hours, taking the worker down with it.
#   example: "x = 9 ** 9 ** 9"
#   negative: "x = 2 ** 64"
deny contains v if {
	some b in object.get(cx, "bombs", [])
	b.log10_size > limits.max_bomb_log10
	v := violation("resource-bomb", b, sprintf("%s expression of about 10^%d (limit 10^%d)", [b.kind, round(b.log10_size), limits.max_bomb_log10]))
}

# METADATA
# title: infinite-loop
# description: "`while True:` (or another constant-true test) with no `break` in its body."
# custom:
#   why: The loop only ends by killing the process; in a shared runner it burns the whole time budget.
#   example: "while True:\n    pass"
#   negative: "while True:\n    if done(): break"
deny contains v if {
	some l in object.get(cx, "infinite_loops", [])
	v := violation("infinite-loop", l, "loop with a constant-true condition and no break")
}

# METADATA
# title: complexity
# description: Code beyond the complexity limits (cyclomatic complexity, AST node count, block nesting, expression depth); a warning above `warn_cyclomatic`.
# custom:
#   why: Generated code this tangled cannot be reviewed, and deep nesting is a parser/stack attack vector.
#   example: "a function with 80 branches"
#   negative: "a function with 5 branches"
deny contains v if {
	cx.cyclomatic_max > limits.max_cyclomatic
	v := violation("complexity", place(object.get(cx, "cyclomatic_max_at", null)), sprintf("cyclomatic complexity %d exceeds %d", [cx.cyclomatic_max, limits.max_cyclomatic]))
}

deny contains v if {
	cx.nodes > limits.max_nodes
	v := violation("complexity", file_start, sprintf("%d syntax nodes exceed %d", [cx.nodes, limits.max_nodes]))
}

deny contains v if {
	cx.max_nesting > limits.max_nesting
	v := violation("complexity", file_start, sprintf("block nesting %d exceeds %d", [cx.max_nesting, limits.max_nesting]))
}

deny contains v if {
	cx.max_expression_depth > limits.max_expression_depth
	v := violation("complexity", file_start, sprintf("expression depth %d exceeds %d", [cx.max_expression_depth, limits.max_expression_depth]))
}

# METADATA
# title: complexity-warning
# description: A function whose cyclomatic complexity is above the warning threshold but below the limit.
# custom:
#   why: Hard to review; not a reason to refuse on its own.
#   example: "a function with 40 branches"
#   negative: "a function with 5 branches"
warn contains v if {
	cx.cyclomatic_max > limits.warn_cyclomatic
	cx.cyclomatic_max <= limits.max_cyclomatic
	v := violation("complexity-warning", place(object.get(cx, "cyclomatic_max_at", null)), sprintf("cyclomatic complexity %d is above %d", [cx.cyclomatic_max, limits.warn_cyclomatic]))
}

# METADATA
# title: huge-literal
# description: A string/bytes literal or collection display beyond the size limits.
# custom:
#   why: Huge literals are payload smuggling or memory bombs, never hand-written logic.
#   example: "data = [0, 0, 0, ...]  # 200000 items"
#   negative: "primes = [2, 3, 5, 7]"
deny contains v if {
	cx.max_literal_bytes > limits.max_literal_bytes
	v := violation("huge-literal", file_start, sprintf("a literal of %d bytes exceeds %d", [cx.max_literal_bytes, limits.max_literal_bytes]))
}

deny contains v if {
	cx.max_collection_items > limits.max_collection_items
	v := violation("huge-literal", file_start, sprintf("a collection of %d items exceeds %d", [cx.max_collection_items, limits.max_collection_items]))
}

# METADATA
# title: too-many-facts
# description: The analyser cut a list of facts at its cap (a file with that many imports, builtin references or attribute accesses).
# custom:
#   why: Only hostile or generated code has that many security-relevant facts, and what was cut was never judged.
#   example: "100000 getattr calls"
#   negative: "an ordinary module"
deny contains v if {
	input.truncated == true
	v := violation("too-many-facts", file_start, "the facts were truncated: too many security-relevant constructs to judge")
}
