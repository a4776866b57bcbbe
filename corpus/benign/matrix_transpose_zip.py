# expect: allow
# note: zip tricks
matrix = [[1, 2, 3], [4, 5, 6]]
transposed = [list(row) for row in zip(*matrix)]
flat = [x for row in matrix for x in row]
pairs = dict(zip("abc", range(3)))
print(transposed, flat, pairs, list(enumerate("xy", start=1)))
