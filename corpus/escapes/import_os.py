# expect: deny
# family: imports
# rules: dangerous-module
# note: os
import os
os.system('id')
