# expect: deny
# family: module-private
# rules: module-private,module-member-leak
# note: from random import _os
# effect: stdout bin
from random import _os
print(_os.listdir('/'))
