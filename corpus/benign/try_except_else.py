# expect: allow
# note: try/except/else/finally
def parse_int(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    else:
        return value
    finally:
        pass


print(parse_int("12"), parse_int("x"))
