# expect: deny
# family: code-objects
# rules: code-object,dangerous-module
# note: construct a CodeType
import types
c = types.CodeType(0, 0, 0, 0, 0, 0, b'', (), (), (), '', '', '', 0, b'', b'', (), ())
