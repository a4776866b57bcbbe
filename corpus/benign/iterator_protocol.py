# expect: allow
# note: class implementing __iter__/__next__
class Range2:
    def __init__(self, stop: int) -> None:
        self.current = 0
        self.stop = stop

    def __iter__(self):
        return self

    def __next__(self) -> int:
        if self.current >= self.stop:
            raise StopIteration
        value = self.current
        self.current += 2
        return value


print(list(Range2(9)))
