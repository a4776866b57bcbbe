# expect: allow
# note: isinstance, type() and __name__
def kind(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


print([kind(v) for v in (True, 1, 2.5, "x", [], {})])
