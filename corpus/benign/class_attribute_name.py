# expect: allow
# note: reading __name__, __doc__, __module__
class Widget:
    """A widget."""


def describe(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}: {cls.__doc__}"


print(describe(Widget), Widget.__name__, describe.__name__)
