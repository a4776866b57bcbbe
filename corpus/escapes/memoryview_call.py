# expect: deny
# family: dangerous-builtins
# rules: dangerous-builtin
# note: raw memory
m = memoryview(b'abc')
print(m.tolist())
