# expect: deny
# family: module-private
# rules: module-private,module-member-leak,sys-modules
# note: collections._sys
import collections
print(collections._sys.modules)
