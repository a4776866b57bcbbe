# expect: allow
# note: map/filter with builtins
nums = list(range(10))
print(list(map(str, nums)), list(filter(lambda n: n % 3 == 0, nums)), list(map(abs, [-1, 2])))
print(sorted(map(len, ["aa", "b", "ccc"])), any(map(bool, [0, 1])), list(zip(*[(1, 2), (3, 4)])))
