# expect: deny
# family: imports
# rules: dangerous-module
# note: subprocess
# effect: stdout uid=
import subprocess
subprocess.run(['id'])
