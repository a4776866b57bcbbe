# expect: deny
# family: resource-bombs
# rules: resource-bomb
# note: huge list repeat
grid = [0] * (10 ** 11)
