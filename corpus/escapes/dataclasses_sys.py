# expect: deny
# family: sys-modules
# rules: module-member-leak,sys-modules
# note: dataclasses.sys
import dataclasses
mods = dataclasses.sys.modules
print(mods['subprocess'])
