# Tests of policies/builtins.rego: each rule with positive and negative cases.
package pywarden_test

test_dynamic_code_eval_call if {
	"dynamic-code" in denied({"names": [name_ref("eval", "call")]})
}

test_dynamic_code_exec_even_if_shadowed if {
	"dynamic-code" in denied({"names": [shadowed_ref("exec", "call")]})
}

test_dynamic_code_compile_shadowed_is_only_warned if {
	inp := {"names": [shadowed_ref("compile", "call")]}
	not "dynamic-code" in denied(inp)
	"shadowed-builtin" in warned(inp)
}

test_dynamic_code_not_for_print if {
	count(denied({"names": [name_ref("print", "call"), name_ref("len", "call")]})) == 0
}

test_dangerous_builtin_open if {
	"dangerous-builtin" in denied({"names": [name_ref("open", "call")]})
}

test_dangerous_builtin_breakpoint_and_input if {
	"dangerous-builtin" in denied({"names": [name_ref("breakpoint", "call")]})
	"dangerous-builtin" in denied({"names": [name_ref("input", "call")]})
}

test_dangerous_builtin_not_when_shadowed if {
	not "dangerous-builtin" in denied({"names": [shadowed_ref("open", "call")]})
}

test_namespace_builtin_globals if {
	"namespace-builtin" in denied({"names": [name_ref("globals", "call")]})
}

test_namespace_builtin_vars if {
	"namespace-builtin" in denied({"names": [name_ref("vars", "call")]})
}

test_namespace_builtin_not_for_len if {
	not "namespace-builtin" in denied({"names": [name_ref("len", "call")]})
}

test_builtin_reference_decorator if {
	"builtin-reference" in denied({"names": [name_ref("exec", "decorator")]})
}

test_builtin_reference_default_argument if {
	"builtin-reference" in denied({"names": [name_ref("open", "default")]})
}

test_builtin_reference_argument if {
	"builtin-reference" in denied({"names": [name_ref("eval", "argument")]})
}

test_builtin_reference_alias if {
	"builtin-reference" in denied({"names": [name_ref("compile", "load")]})
}

test_builtin_reference_not_for_str_argument if {
	not "builtin-reference" in denied({"names": [name_ref("str", "argument")]})
}

test_builtin_reference_not_for_store if {
	not "builtin-reference" in denied({"names": [shadowed_ref("input", "store")]})
}

test_shadowed_builtin_warns if {
	"shadowed-builtin" in warned({"names": [shadowed_ref("input", "call")]})
}

test_shadowed_builtin_not_for_real_builtin if {
	not "shadowed-builtin" in warned({"names": [name_ref("open", "call")]})
}

test_computed_getattr_variable_name if {
	"computed-getattr" in denied({"calls": [call("getattr", [null, null])]})
}

test_computed_getattr_setattr if {
	"computed-getattr" in denied({"calls": [call("setattr", [null, null, null])]})
}

test_computed_getattr_constant_name_ok if {
	not "computed-getattr" in denied({"calls": [call("getattr", [null, "size", null])]})
}

test_computed_getattr_not_for_other_calls if {
	not "computed-getattr" in denied({"calls": [call("sorted", [null])]})
}
