# Complexity metrics and resource bombs.
big = 10 ** 10 ** 10
tower = 2**2**2**2**2
small = 2 ** 10
rep = "a" * 10**9
lst = [0] * 10**10
sh = 1 << 10**10
buf = bytearray(10**10)
y = x * (1 << 40)
ns = t * 10**9


def branchy(a, b):
    if a and b or a:
        for i in range(3):
            while i:
                i -= 1
    elif b:
        return [x for x in a if x if not x]
    else:
        try:
            pass
        except ValueError:
            pass
        except TypeError:
            pass
    return 1 if a else 2


while True:
    pass

while 1:
    if done():
        break

while True:
    for i in range(3):
        break
