# expect: deny
# family: namespace-introspection
# rules: namespace-builtin
# note: locals()
def f():
    a = 1
    return locals()

print(f())
