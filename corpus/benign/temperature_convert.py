# expect: allow
# note: simple functions with docstrings
def c_to_f(c: float) -> float:
    """Convert Celsius to Fahrenheit."""
    return c * 9 / 5 + 32


def f_to_c(f: float) -> float:
    """Convert Fahrenheit to Celsius."""
    return (f - 32) * 5 / 9


for t in (-40, 0, 37, 100):
    print(t, round(c_to_f(t), 1), round(f_to_c(c_to_f(t)), 1))
print(c_to_f.__doc__, c_to_f.__name__)
