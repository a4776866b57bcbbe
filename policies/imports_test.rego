# Tests of policies/imports.rego: each rule with positive and negative cases.
package pywarden_test

test_import_not_allowed_flags_third_party if {
	"import-not-allowed" in denied({"imports": [imp("import", "requests", null, 0)]})
}

test_import_not_allowed_flags_from_import if {
	"import-not-allowed" in denied({"imports": [imp("from", "http.client", "HTTPConnection", 0)]})
}

test_import_not_allowed_accepts_stdlib_computation if {
	count(denied({"imports": [imp("import", "math", null, 0), imp("from", "collections", "deque", 0), imp("from", "__future__", "annotations", 0)]})) == 0
}

test_import_not_allowed_honours_extra_allow if {
	r := {v.rule | some v in data.pywarden.denied} with input as {"imports": [imp("import", "numpy", null, 0)]}
		with data.gate.imports.extra_allow as ["numpy"]
	count(r) == 0
}

test_import_not_allowed_honours_input_options if {
	count(denied({"imports": [imp("import", "numpy", null, 0)], "options": {"allow_imports": ["numpy"]}})) == 0
}

test_dangerous_module_pickle if {
	r := denied({"imports": [imp("import", "pickle", null, 0)]})
	"dangerous-module" in r
	not "import-not-allowed" in r
}

test_dangerous_module_marshal_ctypes_shelve if {
	"dangerous-module" in denied({"imports": [imp("import", "marshal", null, 0)]})
	"dangerous-module" in denied({"imports": [imp("from", "ctypes", "CDLL", 0)]})
	"dangerous-module" in denied({"imports": [imp("import", "shelve", null, 0)]})
}

test_dangerous_module_dynamic_form if {
	"dangerous-module" in denied({"imports": [imp("dynamic", "os", null, 0)]})
}

test_dangerous_module_not_for_json if {
	not "dangerous-module" in denied({"imports": [imp("import", "json", null, 0)]})
}

test_relative_import_flagged if {
	"relative-import" in denied({"imports": [imp("from", "helpers", "x", 1)]})
}

test_relative_import_not_for_absolute if {
	not "relative-import" in denied({"imports": [imp("from", "collections", "deque", 0)]})
}

test_dynamic_import_flagged if {
	"dynamic-import" in denied({"imports": [imp("dynamic", "math", null, 0)]})
}

test_dynamic_import_unresolved_module if {
	"dynamic-import" in denied({"imports": [object.union(at, {"kind": "dynamic", "module": null, "top": null, "name": null, "alias": null, "level": 0})]})
}

test_dynamic_import_loader if {
	"dynamic-import" in denied({"imports": [object.union(at, {"kind": "loader", "module": null, "top": null, "name": null, "alias": null, "level": 0})]})
}

test_dynamic_import_not_for_static if {
	not "dynamic-import" in denied({"imports": [imp("import", "math", null, 0)]})
}

test_module_member_leak_typing_sys if {
	"module-member-leak" in denied({"attributes": [attr("sys", "member", "typing", "attribute", "load")]})
}

test_module_member_leak_from_import if {
	"module-member-leak" in denied({"imports": [imp("from", "contextlib", "os", 0)]})
}

test_module_member_leak_asyncio_shell if {
	"module-member-leak" in denied({"attributes": [attr("create_subprocess_shell", "member", "asyncio", "attribute", "load")]})
}

test_module_member_leak_not_for_typing_list if {
	not "module-member-leak" in denied({"attributes": [attr("List", "member", "typing", "attribute", "load")], "imports": [imp("from", "asyncio", "gather", 0)]})
}

test_module_private_attribute if {
	"module-private" in denied({"attributes": [attr("_os", "private", "random", "attribute", "load")]})
}

test_module_private_from_import if {
	"module-private" in denied({"imports": [imp("from", "random", "_inst", 0)]})
}

test_module_private_not_for_public_member if {
	not "module-private" in denied({"attributes": [attr("randint", "member", "random", "attribute", "load")], "imports": [imp("from", "__future__", "annotations", 0)]})
}

test_sys_modules_through_typing if {
	"sys-modules" in denied({"attributes": [attr("modules", "member", "typing.sys", "attribute", "load")]})
}

test_sys_modules_direct if {
	"sys-modules" in denied({"attributes": [attr("_getframe", "private", "sys", "attribute", "load")]})
}

test_sys_modules_not_for_other_modules if {
	not "sys-modules" in denied({"attributes": [attr("modules", "member", "mypkg", "attribute", "load")]})
}
