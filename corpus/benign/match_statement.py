# expect: allow
# note: structural pattern matching
from dataclasses import dataclass


@dataclass
class Circle:
    r: float


@dataclass
class Rect:
    w: float
    h: float


def area(shape) -> float:
    match shape:
        case Circle(r=r):
            return 3.14159 * r * r
        case Rect(w=w, h=h):
            return w * h
        case {"kind": "square", "side": s}:
            return s * s
        case [x, y]:
            return x * y
        case _:
            raise ValueError(f"unknown shape {shape!r}")


print(area(Circle(1)), area(Rect(2, 3)), area({"kind": "square", "side": 2}), area([2, 5]))
