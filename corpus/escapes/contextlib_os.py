# expect: deny
# family: module-members
# rules: module-member-leak
# note: from contextlib import os
from contextlib import os
os.system('id')
