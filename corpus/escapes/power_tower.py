# expect: deny
# family: resource-bombs
# rules: resource-bomb
# note: exponent tower
x = 10 ** 10 ** 10
