# Attribute rules: dunder escape primitives, frame and code-object internals, format-string
# attribute access and attribute tampering. Which attribute names are escape primitives, and
# which rule reports each, lives in `data.gate.attribute_rules`; names not listed there
# (`__name__`, `__class__` alone, `__init__`, `__repr__`) are everyday.
package pywarden

how(a) := "" if a.via == "attribute"

how(a) := sprintf(" (via %s)", [a.via]) if a.via != "attribute"

# METADATA
# title: subclass-walk
# description: Access to `__subclasses__`, `__mro__`, `__bases__` or `__base__`.
# custom:
#   why: "Walking the class hierarchy from any object (`().__class__.__base__.__subclasses__()`) reaches every loaded class, including ones whose globals hold `os`; the classic sandbox escape."
#   example: "().__class__.__base__.__subclasses__()"
#   negative: "type(self).__name__"

# METADATA
# title: builtins-recovery
# description: Access to `__globals__`, `__builtins__`, `__self__`, `__closure__`, `__import__`, `__loader__`, `__spec__` as attributes, or any use of the name `__builtins__`.
# custom:
#   why: "Each recovers the real builtins or a module namespace from an innocent object: `print.__self__` is the builtins module, `f.__globals__['__builtins__']` holds `__import__`."
#   example: "print.__self__.__import__('os')"
#   negative: "print(self.__class__.__name__)"

# METADATA
# title: code-object
# description: Code-object surgery — `__code__`, `__func__`, `__defaults__`, `co_*` attributes, building `types.CodeType` / `types.FunctionType`, or `code.replace(...)`.
# custom:
#   why: Rewriting or constructing code objects runs bytecode that was never in the source (and can crash the interpreter).
#   example: "f.__code__ = f.__code__.replace(co_code=b'...')"
#   negative: "def f(): return 1"

# METADATA
# title: frame-walk
# description: Frame, generator, coroutine and traceback introspection (`gi_frame`, `cr_frame`, `ag_frame`, `tb_frame`, `f_globals`, `f_back`, `f_locals`, `f_builtins`...).
# custom:
#   why: Frames expose the globals and builtins of every caller up the stack, so code can reach the host's namespace.
#   example: "(x for x in []).gi_frame.f_back.f_globals"
#   negative: "gen = (x for x in range(3)); next(gen)"

# METADATA
# title: dunder-escape
# description: Other introspection dunders that serve as escape primitives (`__dict__`, `__getattribute__`, `__reduce__`, `__reduce_ex__`, `__traceback__`).
# custom:
#   why: "They bypass normal attribute resolution (`type.__dict__['mro']`), hand out pickling reducers, or reach frames from exceptions."
#   example: "obj.__class__.__dict__['secret']"
#   negative: "def __repr__(self): return self.__class__.__name__"

# Messages of the attribute rules above, by rule id.
attribute_messages := {
	"subclass-walk": "'%s' walks the class hierarchy%s",
	"builtins-recovery": "'%s' recovers builtins or a module namespace%s",
	"code-object": "'%s' reaches code-object internals%s",
	"frame-walk": "'%s' walks interpreter frames%s",
	"dunder-escape": "'%s' is an introspection escape primitive%s",
}

# The unit's attribute names that `data.gate.attribute_rules` (the attribute name → rule id
# map) lists, intersected natively by `object.filter` (a loop over either side on regorus's VM
# cost ~1 µs per step).
deny contains v if {
	rules := data.gate.attribute_rules
	messages := attribute_messages
	some name, entries in object.filter(idx.attributes, rules)
	rule := rules[name]
	some a in entries
	v := violation(rule, a, sprintf(messages[rule], [a.attr, how(a)]))
}

# builtins-recovery: the name `__builtins__` itself.
deny contains v if {
	some n in idx.names.__builtins__
	v := violation("builtins-recovery", n, "the name '__builtins__' reaches the builtins namespace")
}

# code-object: building code objects or functions from parts.
deny contains v if {
	some calls in object.filter(idx.calls, data.gate.code_constructors)
	some c in calls
	v := violation("code-object", c, sprintf("call of '%s' builds code or functions from parts", [c.func]))
}

# METADATA
# title: format-string-attribute
# description: A dunder or frame attribute reached inside a format string (`"{0.__class__}".format(x)`, `format_map`).
# custom:
#   why: str.format performs attribute lookups named in the string itself, a known way to read `__globals__` without writing an attribute access.
#   example: "'{0.__init__.__globals__}'.format(obj)"
#   negative: "'{0.name}'.format(user)"
deny contains v if {
	some a in idx.special_attributes
	a.via == "format"
	a.kind in {"dunder", "frame"}
	v := violation("format-string-attribute", a, sprintf("format string reads attribute '%s'", [a.attr]))
}


# METADATA
# title: dunder-store
# description: Assigning or deleting identity-defining dunders (`obj.__class__ = X`, `f.__code__ = ...`, `del x.__dict__`).
# custom:
#   why: Rewriting these changes what an object is or what a function runs, behind the back of everything that checked it.
#   example: "obj.__class__ = Evil"
#   negative: "self.value = 1"
deny contains v if {
	some a in idx.special_attributes
	a.context in {"store", "del"}
	a.attr in data.gate.no_store
	v := violation("dunder-store", a, sprintf("%s of '%s' rewrites an object's identity", [a.context, a.attr]))
}
