# expect: deny
# family: resource-bombs
# rules: resource-bomb
# note: 9 ** 9 ** 9
print(9 ** 9 ** 9)
