# expect: allow
# note: enum
from enum import Enum, IntEnum, auto


class Color(Enum):
    RED = auto()
    GREEN = auto()
    BLUE = auto()

    def __str__(self) -> str:
        return self.name.lower()


class Priority(IntEnum):
    LOW = 1
    HIGH = 2


print([str(c) for c in Color], Priority.HIGH > Priority.LOW, Color["RED"].value)
