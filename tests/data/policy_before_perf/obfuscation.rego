# Obfuscation rules: source text that means something other than it shows — Unicode
# identifiers, encoding declarations, bidirectional controls, computed strings that spell
# escape primitives.
package pywarden

# METADATA
# title: unicode-identifier
# description: A builtin or escape name written with non-ASCII characters that NFKC-normalise to it (`ｅｖａｌ` is `eval`).
# custom:
#   why: Python normalises identifiers, so the code calls `eval` while text searches and reviewers see something else.
#   example: "ｅｖａｌ('1+1')"
#   negative: "café = 1"
deny contains v if {
	some n in input.names
	is_string(n.raw)
	n.raw != n.name
	v := violation("unicode-identifier", n, sprintf("'%s' is spelled '%s' in the source", [n.name, n.raw]))
}

deny contains v if {
	some a in idx.special_attributes
	is_string(a.raw)
	a.raw != a.attr
	v := violation("unicode-identifier", a, sprintf("attribute '%s' is spelled '%s' in the source", [a.attr, a.raw]))
}

# METADATA
# title: encoding-declaration
# description: "A PEP 263 source-encoding declaration other than UTF-8 (`# -*- coding: utf-7 -*-`)."
# custom:
#   why: CPython would decode the file differently from what the gate analysed; UTF-7 in particular hides code inside what looks like a comment.
#   example: "# -*- coding: utf-7 -*-"
#   negative: "# -*- coding: utf-8 -*-"
deny contains v if {
	d := input.encoding.declared
	is_string(d)
	not lower(d) in cfg.source.allowed_encodings
	v := violation("encoding-declaration", encoding_place, sprintf("source declares encoding '%s'", [d]))
}

encoding_place := {"line": input.encoding.line, "column": 1} if is_number(input.encoding.line)

encoding_place := file_start if not is_number(input.encoding.line)

# METADATA
# title: bidi-character
# description: Bidirectional-control or invisible characters in the source (Trojan Source, CVE-2021-42574).
# custom:
#   why: They reorder or hide text on screen, so the code that runs differs from the code a reviewer reads.
#   example: "access = 'user\u202e \u2066# admin\u2069'"
#   negative: "name = 'café'"
deny contains v if {
	some c in input.encoding.suspicious_chars
	v := violation("bidi-character", c, sprintf("invisible or bidirectional control character %s", [c.codepoint]))
}

# Escape-class dunders: a literal string spelling one is as suspicious as the access itself.
escape_dunder(d) if {
	startswith(d, "__")
	cfg.attribute_rules[d] in {"subclass-walk", "builtins-recovery", "code-object"}
}

# METADATA
# title: obfuscated-string
# description: A string the analyser had to compute (concatenation, join, chr, slicing, format...) that spells an escape primitive or dangerous name, or a literal that spells an escape dunder.
# custom:
#   why: Building `'__im' + 'port__'` or `''.join(map(chr, [101, 118, 97, 108]))` exists only to hide a name from review.
#   example: "getattr(__builtins__, '__im' + 'port__')"
#   negative: "greeting = 'Hello, ' + name"
deny contains v if {
	some s in input.strings
	s.how != "literal"
	s.value in cfg.sensitive_strings
	v := violation("obfuscated-string", s, sprintf("computed string (%s) spells '%s'", [s.how, s.value]))
}

deny contains v if {
	some s in input.strings
	s.how == "literal"
	escape_dunder(s.value)
	v := violation("obfuscated-string", s, sprintf("string literal spells escape primitive '%s'", [s.value]))
}
