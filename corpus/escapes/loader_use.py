# expect: deny
# family: dynamic-imports
# rules: dynamic-import,builtins-recovery,dangerous-builtin,builtin-reference
# note: __loader__
m = __loader__.load_module('os')
