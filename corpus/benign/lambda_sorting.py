# expect: allow
# note: lambdas and sorted
people = [("alice", 30), ("bob", 25), ("carol", 35)]
print(sorted(people, key=lambda p: p[1]))
print(max(people, key=lambda p: len(p[0])))
adders = [lambda x, n=n: x + n for n in range(3)]
print([f(10) for f in adders])
