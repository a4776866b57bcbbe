# expect: allow
# note: typing generics and protocols
from typing import Generic, Iterable, Iterator, Optional, Protocol, TypeVar

T = TypeVar("T")


class SupportsLess(Protocol):
    def __lt__(self, other: "SupportsLess") -> bool: ...


class Stack(Generic[T]):
    def __init__(self) -> None:
        self._items: list[T] = []

    def push(self, item: T) -> None:
        self._items.append(item)

    def pop(self) -> Optional[T]:
        return self._items.pop() if self._items else None

    def __iter__(self) -> Iterator[T]:
        return iter(reversed(self._items))

    def __len__(self) -> int:
        return len(self._items)


def total(values: Iterable[int]) -> int:
    return sum(values)


s: Stack[int] = Stack()
s.push(1)
s.push(2)
print(len(s), list(s), total(s))
