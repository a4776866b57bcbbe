# expect: allow
# note: array module
from array import array

a = array("i", [1, 2, 3])
a.append(4)
print(a.tolist(), a.itemsize > 0, sum(a))
