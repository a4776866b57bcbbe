# expect: allow
# note: modest exponent and repeat
big = 2 ** 100
line = "-" * 80
zeros = [0] * 1000
print(len(str(big)), len(line), len(zeros), pow(3, 200, 1000))
