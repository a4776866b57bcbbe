# expect: deny
# family: sys-modules
# rules: sys-modules,dangerous-module,module-private
# note: sys._getframe
import sys
f = sys._getframe(0)
print(f)
