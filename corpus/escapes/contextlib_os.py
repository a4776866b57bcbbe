# expect: deny
# family: module-members
# rules: module-member-leak
# note: from contextlib import os
# effect: stdout uid=
from contextlib import os
os.system('id')
