# expect: allow
# note: formatting a table
rows = [("apple", 1.5, 10), ("banana", 0.25, 120), ("cherry", 6.0, 2)]
width = max(len(r[0]) for r in rows)
print(f"| {'item':<{width}} | price | qty |")
print(f"|{'-' * (width + 2)}|-------|-----|")
for name, price, qty in rows:
    print(f"| {name:<{width}} | {price:5.2f} | {qty:3d} |")
