# expect: allow
# note: walrus operator and f-strings
values = [3, 8, 12, 5]
if (n := len(values)) > 3:
    print(f"{n} values, max={max(values)}, mean={sum(values) / n:.2f}")
name = "pywarden"
print(f"{name!r:>12} {name.upper()=}")
