# expect: allow
# note: while True with break
attempts = 0
while True:
    attempts += 1
    if attempts >= 3:
        break
print(attempts)
