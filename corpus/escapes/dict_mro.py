# expect: deny
# family: introspection
# rules: dunder-escape
# note: type.__dict__
m = type.__dict__['mro']
print(m)
