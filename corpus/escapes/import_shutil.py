# expect: deny
# family: imports
# rules: import-not-allowed
# note: shutil
import shutil
shutil.rmtree('/tmp/x')
