# expect: allow
# note: functools.cached_property
from functools import cached_property
import statistics


class Dataset:
    def __init__(self, values: list[float]) -> None:
        self.values = values

    @cached_property
    def mean(self) -> float:
        return statistics.fmean(self.values)


d = Dataset([1, 2, 3, 4])
print(d.mean, d.mean)
