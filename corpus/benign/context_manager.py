# expect: allow
# note: contextlib.contextmanager and __enter__/__exit__
from contextlib import contextmanager, suppress
import time


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.elapsed = time.perf_counter() - self.start
        return False


@contextmanager
def tag(name: str):
    print(f"<{name}>")
    yield
    print(f"</{name}>")


with Timer() as t, tag("b"):
    print("bold")
with suppress(KeyError):
    {}["missing"]
print(t.elapsed >= 0)
