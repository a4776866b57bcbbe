# expect: allow
# note: generator functions and yield from
def countdown(n: int):
    while n > 0:
        yield n
        n -= 1


def chain(*iterables):
    for it in iterables:
        yield from it


gen = countdown(3)
print(next(gen), list(gen), list(chain([1], (2, 3))))
