# expect: deny
# family: computed-getattr
# rules: computed-getattr
# note: setattr with computed name
import math
for key in ['pi', 'e']:
    setattr(math, key, 3)
