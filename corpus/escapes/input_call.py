# expect: deny
# family: dangerous-builtins
# rules: dangerous-builtin
# note: reads stdin
name = input('name? ')
print(name)
