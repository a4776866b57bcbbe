# expect: allow
# note: reduce and partial
from functools import partial, reduce
import operator

product = reduce(operator.mul, range(1, 6), 1)
pow2 = partial(pow, 2)
print(product, [pow2(i) for i in range(5)])
