# expect: allow
# note: frozen ordered dataclass
from dataclasses import dataclass, asdict


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int = 0

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


versions = sorted([Version(1, 2), Version(1, 0, 5), Version(0, 9)])
print([str(v) for v in versions], asdict(versions[0]))
