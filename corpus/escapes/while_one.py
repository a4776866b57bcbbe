# expect: deny
# family: infinite-loops
# rules: infinite-loop
# note: constant-true integer
n = 0
while 1:
    n += 1
