# expect: allow
# note: typing.NamedTuple
from typing import NamedTuple


class Coord(NamedTuple):
    lat: float
    lon: float

    def __str__(self) -> str:
        return f"({self.lat:.3f}, {self.lon:.3f})"


c = Coord(48.8566, 2.3522)
print(c, c._asdict(), c._replace(lat=0.0))
