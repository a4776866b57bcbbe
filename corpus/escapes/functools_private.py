# expect: deny
# family: module-private
# rules: module-private,module-member-leak,sys-modules
# note: functools private sys
from functools import _sys
print(_sys.modules)
