# expect: deny
# family: namespace-introspection
# rules: namespace-builtin
# note: rebind via globals
globals()['print'] = lambda *a: None
