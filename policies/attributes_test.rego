# Tests of policies/attributes.rego: each rule with positive and negative cases.
package pywarden_test

test_subclass_walk_subclasses if {
	"subclass-walk" in denied({"attributes": [dunder("__subclasses__")]})
}

test_subclass_walk_mro_and_base if {
	"subclass-walk" in denied({"attributes": [dunder("__mro__")]})
	"subclass-walk" in denied({"attributes": [dunder("__base__")]})
	"subclass-walk" in denied({"attributes": [dunder("__bases__")]})
}

# The attribute rules intersect the unit's attribute names with the `attribute_rules` map
# (`object.filter`): whichever side is longer, they must find the same accesses.
test_attribute_rules_walk_either_side if {
	inp := {"attributes": [dunder("__subclasses__"), dunder("__globals__"), dunder("__name__")]}
	few := {"__subclasses__": "subclass-walk", "__globals__": "builtins-recovery"}
	many := object.union(few, {sprintf("x%d", [i]): "dunder-escape" | some i in numbers.range(1, 20)})
	by_names := denied(inp) with data.gate.attribute_rules as many
	by_map := denied(inp) with data.gate.attribute_rules as few
	by_names == {"subclass-walk", "builtins-recovery"}
	by_map == by_names
}

test_subclass_walk_not_for_class_name if {
	count(denied({"attributes": [dunder("__class__"), dunder("__name__"), dunder("__init__")]})) == 0
}

test_builtins_recovery_globals if {
	"builtins-recovery" in denied({"attributes": [dunder("__globals__")]})
}

test_builtins_recovery_self if {
	"builtins-recovery" in denied({"attributes": [dunder("__self__")]})
}

test_builtins_recovery_name if {
	"builtins-recovery" in denied({"names": [name_ref("__builtins__", "load")]})
}

test_builtins_recovery_via_getattr if {
	"builtins-recovery" in denied({"attributes": [attr("__globals__", "dunder", null, "getattr", "load")]})
}

test_builtins_recovery_not_for_doc if {
	not "builtins-recovery" in denied({"attributes": [dunder("__doc__")]})
}

test_code_object_dunder if {
	"code-object" in denied({"attributes": [dunder("__code__")]})
}

test_code_object_co_code if {
	"code-object" in denied({"attributes": [attr("co_code", "frame", null, "attribute", "load")]})
}

test_code_object_constructor if {
	"code-object" in denied({"calls": [call("types.CodeType", [null])]})
}

test_code_object_not_for_ordinary_call if {
	not "code-object" in denied({"calls": [call("math.sqrt", [null])]})
}

test_frame_walk_gi_frame if {
	"frame-walk" in denied({"attributes": [attr("gi_frame", "frame", null, "attribute", "load")]})
}

test_frame_walk_f_back_and_tb_frame if {
	"frame-walk" in denied({"attributes": [attr("f_back", "frame", null, "attribute", "load")]})
	"frame-walk" in denied({"attributes": [attr("tb_frame", "frame", null, "attribute", "load")]})
}

test_frame_walk_not_for_co_code if {
	not "frame-walk" in denied({"attributes": [attr("co_code", "frame", null, "attribute", "load")]})
}

test_format_string_attribute if {
	"format-string-attribute" in denied({"attributes": [attr("__class__", "dunder", null, "format", "load")]})
}

test_format_string_attribute_not_for_plain_access if {
	not "format-string-attribute" in denied({"attributes": [dunder("__class__")]})
}

test_dunder_escape_dict if {
	"dunder-escape" in denied({"attributes": [dunder("__dict__")]})
}

test_dunder_escape_reduce if {
	"dunder-escape" in denied({"attributes": [dunder("__reduce_ex__")]})
}

test_dunder_escape_not_for_repr if {
	not "dunder-escape" in denied({"attributes": [dunder("__repr__")]})
}

test_dunder_store_class if {
	"dunder-store" in denied({"attributes": [attr("__class__", "dunder", null, "attribute", "store")]})
}

test_dunder_store_not_for_load if {
	not "dunder-store" in denied({"attributes": [dunder("__class__")]})
}

test_dunder_store_not_for_ordinary_store if {
	not "dunder-store" in denied({"attributes": [attr("__doc__", "dunder", null, "attribute", "store")]})
}

test_subclass_walk_not_for_mro_named_variable if {
	not "subclass-walk" in denied({"attributes": [dunder("__subclasshook__"), attr("mro_cache", "member", "mymod", "attribute", "load")]})
}
