# expect: deny
# family: relative-imports
# rules: relative-import
# note: from ..
from ..config import settings
print(settings)
