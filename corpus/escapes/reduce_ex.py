# expect: deny
# family: introspection
# rules: dunder-escape
# note: reducer tuple
r = (1).__reduce_ex__(2)
print(r)
