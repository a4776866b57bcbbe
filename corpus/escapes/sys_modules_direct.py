# expect: deny
# family: sys-modules
# rules: sys-modules,dangerous-module
# note: import sys
import sys
print(sys.modules['os'])
