# expect: deny
# family: module-members
# rules: module-member-leak
# note: from typing import sys
from typing import sys
print(sys.path)
