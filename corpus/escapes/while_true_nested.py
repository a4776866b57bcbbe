# expect: deny
# family: infinite-loops
# rules: infinite-loop
# note: break only in inner loop
while True:
    for i in range(3):
        if i == 2:
            break
