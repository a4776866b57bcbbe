# expect: allow
# note: dunder arithmetic suite
class Vector:
    def __init__(self, *components: float) -> None:
        self.components = tuple(components)

    def __add__(self, other: "Vector") -> "Vector":
        return Vector(*(a + b for a, b in zip(self.components, other.components)))

    def __sub__(self, other: "Vector") -> "Vector":
        return Vector(*(a - b for a, b in zip(self.components, other.components)))

    def __mul__(self, k: float) -> "Vector":
        return Vector(*(a * k for a in self.components))

    __rmul__ = __mul__

    def __neg__(self) -> "Vector":
        return self * -1

    def __abs__(self) -> float:
        return sum(a * a for a in self.components) ** 0.5

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vector) and self.components == other.components

    def __hash__(self) -> int:
        return hash(self.components)

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self.components}"


v = Vector(3, 4)
print(v + v, v - v, 2 * v, -v, abs(v), v == Vector(3, 4), {v})
