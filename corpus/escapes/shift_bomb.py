# expect: deny
# family: resource-bombs
# rules: resource-bomb
# note: huge shift
n = 1 << 10 ** 10
