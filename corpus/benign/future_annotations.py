# expect: allow
# note: __future__ import
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tree:
    value: int
    children: list[Tree]

    def total(self) -> int:
        return self.value + sum(c.total() for c in self.children)


print(Tree(1, [Tree(2, []), Tree(3, [Tree(4, [])])]).total())
