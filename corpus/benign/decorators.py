# expect: allow
# note: function decorators with functools.wraps
import functools
import time


def timed(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            print(f"{func.__name__} took {time.perf_counter() - start:.6f}s")

    return wrapper


def retry(times: int):
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(times):
                try:
                    return func(*args, **kwargs)
                except ValueError:
                    if attempt == times - 1:
                        raise
            return None

        return wrapper

    return decorate


@timed
@retry(3)
def compute(x: int) -> int:
    return x * 2


print(compute(21), compute.__name__, compute.__doc__)
