# expect: allow
# note: dataclass with slots and kw_only
from dataclasses import dataclass, replace


@dataclass(slots=True, kw_only=True)
class Settings:
    host: str = "localhost"
    port: int = 8080
    debug: bool = False


s = Settings(port=9000)
print(s, replace(s, debug=True))
