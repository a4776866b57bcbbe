# expect: deny
# family: module-private
# rules: module-private,module-member-leak
# note: random._os is os
# effect: stdout uid=
import random
random._os.system('id')
