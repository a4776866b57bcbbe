# expect: allow
# note: *args/**kwargs
def summarize(*args: int, **kwargs: str) -> str:
    parts = [str(sum(args))]
    parts += [f"{k}={v}" for k, v in sorted(kwargs.items())]
    return " ".join(parts)


print(summarize(1, 2, 3, unit="m", label="total"))
