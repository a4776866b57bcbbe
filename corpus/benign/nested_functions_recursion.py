# expect: allow
# note: recursion with memo dict
def count_paths(rows: int, cols: int, memo=None) -> int:
    if memo is None:
        memo = {}
    if rows == 1 or cols == 1:
        return 1
    key = (rows, cols)
    if key not in memo:
        memo[key] = count_paths(rows - 1, cols, memo) + count_paths(rows, cols - 1, memo)
    return memo[key]


print(count_paths(10, 10))
