# Builtin rules: references (not only calls) to builtins that run code, do I/O or expose
# namespaces, and attribute builtins used with computed names.
package pywarden

# A reference that really is the builtin: the module never rebinds the name, or the name is
# one that stays dangerous even when rebound (`eval = eval` must not launder `eval`).
is_builtin_ref(n) if not n.shadowed

is_builtin_ref(n) if n.name in data.gate.builtins.deny_even_if_shadowed

# Every builtin some rule cares about.
risky_builtin(b) if b in data.gate.builtins.dynamic_code

risky_builtin(b) if b in data.gate.builtins.dangerous

risky_builtin(b) if b in data.gate.builtins.namespace

# The lists `risky_builtin` reads (rules intersect each with the unit's names natively, with
# `object.filter`, instead of calling `risky_builtin` once per distinct name).
risky_builtin_lists := ["dynamic_code", "dangerous", "namespace"]

indirect_contexts := {"decorator", "default", "argument", "load"}

# METADATA
# title: dynamic-code
# description: A call of `eval`, `exec`, `compile` or `__import__`.
# custom:
#   why: These turn strings into running code, so nothing the static gate saw describes what will run.
#   example: "eval(user_expr)"
#   negative: "ast_value = int('42')"
deny contains v if {
	some refs in object.filter(idx.names, data.gate.builtins.dynamic_code)
	some n in refs
	n.context == "call"
	is_builtin_ref(n)
	v := violation("dynamic-code", n, sprintf("call of '%s' runs code built at run time", [n.name]))
}

# METADATA
# title: dangerous-builtin
# description: A call of a builtin with powers a computation does not need (`open`, `breakpoint`, `input`, `help`, `memoryview`...).
# custom:
#   why: They read or write files, start the debugger or an interactive pager, or expose raw memory.
#   example: "open('/etc/passwd').read()"
#   negative: "print(len('abc'))"
deny contains v if {
	some refs in object.filter(idx.names, data.gate.builtins.dangerous)
	some n in refs
	n.context == "call"
	not n.shadowed
	v := violation("dangerous-builtin", n, sprintf("call of builtin '%s'", [n.name]))
}

# METADATA
# title: namespace-builtin
# description: A call of `globals()`, `locals()` or `vars()`.
# custom:
#   why: They hand out the live namespace dictionaries, from which `__builtins__` and every imported module can be fetched or rebound.
#   example: "globals()['__builtins__']"
#   negative: "len(values)"
deny contains v if {
	some refs in object.filter(idx.names, data.gate.builtins.namespace)
	some n in refs
	n.context == "call"
	is_builtin_ref(n)
	v := violation("namespace-builtin", n, sprintf("call of '%s' exposes a namespace", [n.name]))
}

# METADATA
# title: builtin-reference
# description: A dangerous builtin used as a value — as a decorator (`@exec`), a default argument (`def f(x=open)`), an argument (`map(eval, xs)`) or bound to a name (`e = eval`).
# custom:
#   why: Referencing the function instead of calling it hides the call from reviewers and naive scanners; the call still happens.
#   example: "list(map(eval, ['1+1']))"
#   negative: "list(map(str, [1, 2]))"
deny contains v if {
	contexts := indirect_contexts
	some list in risky_builtin_lists
	some refs in object.filter(idx.names, data.gate.builtins[list])
	some n in refs
	n.context in contexts
	is_builtin_ref(n)
	v := violation("builtin-reference", n, sprintf("'%s' is referenced as a %s, which hides a call", [n.name, n.context]))
}

# METADATA
# title: shadowed-builtin
# description: A use of a dangerous builtin's name that the module rebinds (a local function or variable called `open`, `input`...). Reported as a warning.
# custom:
#   why: Usually harmless (the name is the module's own), but worth a look — the rebinding might happen after the use.
#   example: "def open(path): ...\nopen('x')"
#   negative: "def reader(path): ..."
warn contains v if {
	some list in risky_builtin_lists
	some refs in object.filter(idx.names, data.gate.builtins[list])
	some n in refs
	n.shadowed # implied by `not is_builtin_ref(n)`, and cheaper to test first
	n.context in {"call", "decorator", "default", "argument", "load"}
	not is_builtin_ref(n)
	v := violation("shadowed-builtin", n, sprintf("'%s' names a builtin but is rebound in this module", [n.name]))
}

attr_builtins := {"getattr", "setattr", "delattr"}

# METADATA
# title: computed-getattr
# description: Calls of `getattr`, `setattr` or `delattr` with an attribute name that is not a constant string the analyser could resolve.
# custom:
#   why: A computed attribute name can spell any dunder (`__globals__`, `__subclasses__`) without it appearing in the source.
#   example: "getattr(obj, name)"
#   negative: "getattr(obj, 'size', 0)"
deny contains v if {
	some calls in object.filter(idx.calls, attr_builtins)
	some c in calls
	c.nargs >= 2
	not is_string(c.args[1])
	v := violation("computed-getattr", c, sprintf("'%s' with a computed attribute name", [c.func]))
}

deny contains v if {
	some calls in object.filter(idx.calls, attr_builtins)
	some c in calls
	c.nargs < 2
	v := violation("computed-getattr", c, sprintf("'%s' with a computed attribute name (argument unpacking)", [c.func]))
}
