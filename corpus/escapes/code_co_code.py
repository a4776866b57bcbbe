# expect: deny
# family: code-objects
# rules: code-object
# note: read raw bytecode
def g(x):
    return x + 1

print(g.__code__.co_code)
