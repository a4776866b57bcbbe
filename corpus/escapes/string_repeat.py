# expect: deny
# family: resource-bombs
# rules: resource-bomb
# note: huge repeat
payload = 'A' * 10 ** 12
