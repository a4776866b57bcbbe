# expect: deny
# family: module-members
# rules: module-member-leak
# note: dataclasses.builtins
import dataclasses
b = dataclasses.builtins
b.exec('print(1)')
