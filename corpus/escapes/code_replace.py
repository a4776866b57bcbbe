# expect: deny
# family: code-objects
# rules: code-object
# note: replace a function's bytecode
def f():
    return 1

f.__code__ = f.__code__.replace(co_consts=(None, 2))
print(f())
