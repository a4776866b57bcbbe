# expect: deny
# family: code-objects
# rules: code-object,dunder-store
# note: rewrite defaults
def f(x=1):
    return x

f.__defaults__ = (2,)
print(f())
