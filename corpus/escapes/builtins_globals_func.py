# expect: deny
# family: builtins-recovery
# rules: builtins-recovery
# note: a function's __globals__
def f():
    pass

bi = f.__globals__['__builtins__']
print(bi)
