# expect: deny
# family: imports
# rules: dangerous-module
# note: os
# effect: stdout uid=
import os
os.system('id')
