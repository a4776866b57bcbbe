# expect: deny
# family: dynamic-imports
# rules: dynamic-import,builtins-recovery,dangerous-builtin,builtin-reference
# note: __spec__
print(__spec__.loader)
