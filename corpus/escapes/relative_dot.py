# expect: deny
# family: relative-imports
# rules: relative-import
# note: from . import
from . import secrets_store
