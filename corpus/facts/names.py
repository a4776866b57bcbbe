# References to non-inert builtins in every context.
eval("1 + 1")
f = exec
f("print(1)")
list(map(eval, ["2"]))


@exec
def decorated():
    pass


def with_default(reader=open):
    return reader


g = lambda f=compile: f
ｅｖａｌ("3")
print(len([1, 2, 3]), range(3), isinstance(1, int))
breakpoint
globals()["x"] = 1
vars()
type("X", (object,), {})
super
input = None
input
del input
