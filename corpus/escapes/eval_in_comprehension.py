# expect: deny
# family: dynamic-code
# rules: dynamic-code
# note: eval in comprehension
values = [eval(s) for s in ['1', '2']]
