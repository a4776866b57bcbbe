# expect: deny
# family: dynamic-code
# rules: dynamic-code
# note: exec = exec laundering
exec = exec
exec('print(2)')
