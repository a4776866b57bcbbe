# Import rules: what code may import, in any form (`import`, `from`, relative, dynamic).
package pywarden

# Top-level modules code may import: `data.gate.imports.allow` + `extra_allow`, plus what the
# caller allows for one evaluation (`input.options.allow_imports`, e.g. `run --allow-import`).
# The rules below test each distinct top-level module of the unit against the three lists
# inline (`not top in ...`: native scans): a helper rule holding the same test costs 4.5% more
# VM instructions over the standard library (`INSTRUCTIONS=` of benches/check_stages.rs).

# METADATA
# title: import-not-allowed
# description: An `import` or `from ... import` of a module outside the allowlist (the pure-computation standard library by default).
# custom:
#   why: Generated code should compute, not reach the network, files or processes; every other module is a capability the caller did not grant.
#   example: "import requests"
#   negative: "import math"
deny contains v if {
	some top, imps in idx.imports
	not top in data.gate.imports.allow
	not top in data.gate.imports.extra_allow
	not top in input.options.allow_imports
	not data.gate.imports.dangerous[top]
	some imp in imps
	imp.kind in {"import", "from"}
	imp.level == 0
	v := violation("import-not-allowed", imp, sprintf("import of module '%s', which is not in the allowlist", [imp.module]))
}

# METADATA
# title: dangerous-module
# description: An import, in any form, of a module that is an escape tool on its own (pickle, marshal, shelve, ctypes, sys, os, builtins, importlib, types, inspect, gc...).
# custom:
#   why: These modules load code objects, call native code, walk every live object or rebind builtins; the sandbox would be the only line of defence.
#   example: "import pickle; pickle.loads(blob)"
#   negative: "import json"
deny contains v if {
	some top, imps in object.filter(idx.imports, data.gate.imports.dangerous)
	reason := data.gate.imports.dangerous[top]
	not top in data.gate.imports.allow
	not top in data.gate.imports.extra_allow
	not top in input.options.allow_imports
	some imp in imps
	v := violation("dangerous-module", imp, sprintf("import of '%s': %s", [imp.module, reason]))
}

# METADATA
# title: relative-import
# description: A relative import (`from . import x`, `from ..pkg import y`).
# custom:
#   why: A standalone snippet has no package; a relative import resolves against whatever directory the runner happens to be in and can load neighbouring files as code.
#   example: "from . import helpers"
#   negative: "from collections import deque"
deny contains v if {
	some imp in input.imports
	imp.level > 0
	v := violation("relative-import", imp, sprintf("relative import (level %d) of '%s'", [imp.level, object.get(imp, "module", "")]))
}

# METADATA
# title: dynamic-import
# description: A dynamic import (`__import__(...)`, `importlib.import_module(...)`) or use of `__loader__` / `__spec__`.
# custom:
#   why: Dynamic imports hide the module name from static review (it may be computed) and bypass the allowlist as written.
#   example: "m = __import__('o' + 's')"
#   negative: "import math"
deny contains v if {
	some imp in input.imports
	imp.kind in {"dynamic", "loader"}
	v := violation("dynamic-import", imp, sprintf("dynamic import (%s) of %s", [imp.kind, module_label(imp)]))
}

module_label(imp) := sprintf("'%s'", [imp.module]) if is_string(imp.module)

module_label(imp) := "a computed module name" if not is_string(imp.module)

# METADATA
# title: module-member-leak
# description: Use of a member of an allowed module that leaks another module or a power (`typing.sys`, `dataclasses.builtins`, `from contextlib import os`, `asyncio.create_subprocess_shell`, `random._os`...), listed per module in `data.gate.dangerous_members`.
# custom:
#   why: An allowlisted module is not automatically safe; its namespace re-exports the modules it imported itself.
#   example: "import typing; typing.sys.modules['os'].system('id')"
#   negative: "import typing; x: typing.List[int] = []"
deny contains v if {
	some module, attrs in object.filter(idx.modules, data.gate.dangerous_members)
	some entries in object.filter(attrs, data.gate.dangerous_members[module])
	some a in entries
	v := violation("module-member-leak", a, sprintf("'%s.%s' leaks a module or power from an allowed module", [a.module, a.attr]))
}

deny contains v if {
	some imp in input.imports
	imp.kind == "from"
	imp.name in data.gate.dangerous_members[imp.module]
	v := violation("module-member-leak", imp, sprintf("'from %s import %s' leaks a module or power from an allowed module", [imp.module, imp.name]))
}

# METADATA
# title: module-private
# description: Access to a private attribute (`_name`) of an imported module, e.g. `random._os`, or `from m import _name`.
# custom:
#   why: Private module attributes are implementation details and frequently the modules a module imported for itself (`random._os` is `os`).
#   example: "import random; random._os.system('id')"
#   negative: "import random; random.randint(1, 6)"
deny contains v if {
	some a in idx.special_attributes
	a.kind == "private"
	v := violation("module-private", a, sprintf("private attribute '%s' of module '%s'", [a.attr, object.get(a, "module", "?")]))
}

deny contains v if {
	some imp in input.imports
	imp.kind == "from"
	is_string(imp.name)
	startswith(imp.name, "_")
	not startswith(imp.name, "__")
	v := violation("module-private", imp, sprintf("'from %s import %s' imports a private name", [imp.module, imp.name]))
}

# METADATA
# title: sys-modules
# description: Reaching interpreter internals through a `sys` module obtained in any way (`typing.sys.modules`, `sys._getframe`, `sys.settrace`, `sys.meta_path`).
# custom:
#   why: sys.modules holds every loaded module (os included) — one dictionary lookup away from a shell; the others walk frames or hook the import system.
#   example: "import typing; typing.sys.modules['os']"
#   negative: "import math; math.sqrt(2)"
deny contains v if {
	some name, entries in object.filter(idx.attributes, data.gate.sys_internals)
	what := data.gate.sys_internals[name]
	some a in entries
	is_string(a.module)
	is_sys(a.module)
	v := violation("sys-modules", a, sprintf("'%s' of the sys module reaches %s", [a.attr, what]))
}

is_sys(m) if m == "sys"

is_sys(m) if endswith(m, ".sys")

is_sys(m) if endswith(m, "._sys")
