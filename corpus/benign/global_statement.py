# expect: allow
# note: global keyword
counter = 0


def bump() -> int:
    global counter
    counter += 1
    return counter


bump()
print(bump())
