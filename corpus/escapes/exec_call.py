# expect: deny
# family: dynamic-code
# rules: dynamic-code
# note: exec
exec('import os; os.system("id")')
