# expect: deny
# family: format-string
# rules: format-string-attribute,builtins-recovery
# note: template in a variable
t = '{x.__init__.__globals__[sys]}'
print(t.format(x=object()))
