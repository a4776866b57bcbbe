# expect: allow
# note: typing.cast, assert
from typing import Any, cast


def first(items: list[Any]) -> int:
    assert items, "need at least one item"
    return cast(int, items[0])


print(first([3, 4]))
