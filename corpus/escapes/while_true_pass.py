# expect: deny
# family: infinite-loops
# rules: infinite-loop
# note: spins forever
while True:
    pass
