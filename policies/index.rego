# The facts, grouped for lookup. Rules look facts up by key (`idx.attributes["__globals__"]`)
# instead of scanning every attribute access once per rule, which keeps evaluation cheap on
# large files. `pywarden` supplies the same grouping precomputed as `input.index`; when it is
# absent (hand-written test input, `pywarden analyze` output fed to `opa`), it is computed here.
#
#   attributes:          {attr: [attribute access, ...]}
#   members:             {"module.attr": [attribute access with a module, ...]}
#   modules:             {module: {attr: [attribute access with that module, ...]}}
#   imports:             {top: [import, ...]} (`null` top: a computed module)
#   calls:               {func: [call, ...]}
#   names:               {name: [builtin reference, ...]}
#   special_attributes:  [attribute accesses that are private, not plain `a.b` (via getattr,
#                         format, import, string), not loads, or spelled differently (raw)]
package pywarden

idx := input.index if input.index

idx := rego_index if not input.index

group(xs, key) := {k: [x | some x in xs; x[key] == k] | some y in xs; k := y[key]}

all_attributes := object.get(input, "attributes", [])

all_imports := object.get(input, "imports", [])

member_key(a) := concat(".", [a.module, a.attr])

rego_index := {
	"attributes": group(all_attributes, "attr"),
	"members": {k: [a | some a in all_attributes; is_string(a.module); member_key(a) == k] |
		some b in all_attributes
		is_string(b.module)
		k := member_key(b)
	},
	"modules": {m: group([a | some a in all_attributes; a.module == m], "attr") |
		some b in all_attributes
		is_string(b.module)
		m := b.module
	},
	"imports": {k: [i | some i in all_imports; object.get(i, "top", null) == k] |
		some j in all_imports
		k := object.get(j, "top", null)
	},
	"calls": group(object.get(input, "calls", []), "func"),
	"names": group(object.get(input, "names", []), "name"),
	"special_attributes": [a | some a in all_attributes; is_special(a)],
}

is_special(a) if a.kind == "private"

is_special(a) if a.via != "attribute"

is_special(a) if a.context != "load"

is_special(a) if is_string(a.raw)
