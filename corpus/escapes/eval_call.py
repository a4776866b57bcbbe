# expect: deny
# family: dynamic-code
# rules: dynamic-code
# note: eval
expr = '1 + 1'
print(eval(expr))
