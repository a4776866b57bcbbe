# expect: deny
# family: introspection
# rules: dunder-escape
# note: object.__getattribute__
x = object.__getattribute__(int, 'real')
