# expect: allow
# note: non-ASCII identifiers and strings that are not builtins
café = "crème brûlée"
naïve_count = len(café)
π = 3.14159
print(café.upper(), naïve_count, round(π * 2, 3), "日本語".encode("utf-8"))
