# expect: deny
# family: computed-getattr
# rules: computed-getattr
# note: setattr with computed name
import math
key = 'p' + str(1)
setattr(math, key, 3)
