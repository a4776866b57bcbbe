# expect: deny
# family: module-private
# rules: module-private,module-member-leak
# note: alias tracking
import random
m = random
print(m._os.environ)
