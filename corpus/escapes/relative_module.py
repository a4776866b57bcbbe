# expect: deny
# family: relative-imports
# rules: relative-import
# note: from .mod import x
from .helpers import run
run()
