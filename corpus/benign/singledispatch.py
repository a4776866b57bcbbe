# expect: allow
# note: functools.singledispatch
from functools import singledispatch


@singledispatch
def render(value) -> str:
    return str(value)


@render.register
def _(value: list) -> str:
    return ", ".join(render(v) for v in value)


@render.register
def _(value: float) -> str:
    return f"{value:.2f}"


print(render([1, 2.5, "x"]))
