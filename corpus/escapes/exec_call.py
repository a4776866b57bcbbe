# expect: deny
# family: dynamic-code
# rules: dynamic-code
# note: exec
# effect: stdout uid=
exec('import os; os.system("id")')
