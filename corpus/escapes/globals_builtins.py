# expect: deny
# family: namespace-introspection
# rules: namespace-builtin,builtins-recovery
# note: globals() dict
g = globals()
print(g['__builtins__'])
