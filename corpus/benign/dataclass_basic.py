# expect: allow
# note: dataclass with defaults
from dataclasses import dataclass, field


@dataclass
class Inventory:
    name: str
    items: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, item: str) -> None:
        self.items.append(item)
        self.count += 1


inv = Inventory("tools")
inv.add("hammer")
print(inv)
