# Tests of policies/obfuscation.rego: each rule with positive and negative cases.
package pywarden_test

test_unicode_identifier_fullwidth_eval if {
	"unicode-identifier" in denied({"names": [object.union(name_ref("eval", "call"), {"raw": "ｅｖａｌ"})]})
}

test_unicode_identifier_not_for_ascii_spelling if {
	not "unicode-identifier" in denied({"names": [name_ref("eval", "call")]})
}

test_unicode_identifier_not_when_raw_equals_name if {
	not "unicode-identifier" in denied({"names": [object.union(name_ref("len", "call"), {"raw": "len"})]})
}

test_encoding_declaration_utf7 if {
	"encoding-declaration" in denied({"encoding": {"declared": "utf-7", "line": 1, "bom": false, "suspicious_chars": []}})
}

test_encoding_declaration_utf8_ok if {
	not "encoding-declaration" in denied({"encoding": {"declared": "utf-8", "line": 1, "bom": false, "suspicious_chars": []}})
}

test_encoding_declaration_none_ok if {
	not "encoding-declaration" in denied({"encoding": {"declared": null, "line": null, "bom": true, "suspicious_chars": []}})
}

test_bidi_character if {
	"bidi-character" in denied({"encoding": {"declared": null, "line": null, "bom": false, "suspicious_chars": [object.union(at, {"codepoint": "U+202E"})]}})
}

test_bidi_character_none if {
	not "bidi-character" in denied({"encoding": {"declared": null, "line": null, "bom": false, "suspicious_chars": []}})
}

test_obfuscated_string_concat_import if {
	"obfuscated-string" in denied({"strings": [str("__import__", "concat")]})
}

test_obfuscated_string_chr_eval if {
	"obfuscated-string" in denied({"strings": [str("eval", "join")]})
}

test_obfuscated_string_literal_escape_dunder if {
	"obfuscated-string" in denied({"strings": [str("__subclasses__", "literal")]})
}

test_obfuscated_string_not_for_main if {
	not "obfuscated-string" in denied({"strings": [str("__main__", "literal"), str("Hello, world", "concat")]})
}

test_obfuscated_string_not_for_literal_eval_word if {
	not "obfuscated-string" in denied({"strings": [str("eval", "literal")]})
}
