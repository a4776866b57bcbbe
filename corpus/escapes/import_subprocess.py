# expect: deny
# family: imports
# rules: dangerous-module
# note: subprocess
import subprocess
subprocess.run(['id'])
