# expect: deny
# family: sys-modules
# rules: module-member-leak,sys-modules
# note: alias of enum then sys
import enum as e
s = e.sys
print(s.modules)
