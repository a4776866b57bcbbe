# expect: allow
# note: raise from
class ConfigError(Exception):
    pass


def load(value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"bad value {value!r}") from exc


try:
    load("x")
except ConfigError as e:
    print(type(e).__name__, e)
