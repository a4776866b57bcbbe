# expect: allow
# note: hasattr with everyday dunder
def is_iterable(x) -> bool:
    return hasattr(x, "__iter__")


def describe(x) -> str:
    return f"{type(x).__name__}: {'iterable' if is_iterable(x) else 'scalar'}"


print(describe([1]), describe(3))
