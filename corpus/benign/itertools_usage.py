# expect: allow
# note: itertools
import itertools

pairs = list(itertools.combinations("abcd", 2))
perms = list(itertools.permutations([1, 2, 3]))
chained = list(itertools.chain([1, 2], (3, 4)))
groups = {k: list(g) for k, g in itertools.groupby(sorted("mississippi"))}
acc = list(itertools.accumulate([1, 2, 3, 4]))
print(len(pairs), len(perms), chained, groups, acc)
