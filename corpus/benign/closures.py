# expect: allow
# note: closures and nonlocal
def make_counter(start: int = 0):
    count = start

    def increment(step: int = 1) -> int:
        nonlocal count
        count += step
        return count

    return increment


counter = make_counter(5)
print(counter(), counter(3))
