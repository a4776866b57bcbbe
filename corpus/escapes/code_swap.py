# expect: deny
# family: attribute-tampering
# rules: dunder-store,code-object
# note: swap a function's code
def f():
    return 1

def g():
    return 2

f.__code__ = g.__code__
