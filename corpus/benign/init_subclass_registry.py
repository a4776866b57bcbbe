# expect: allow
# note: plugin registry with __init_subclass__
class Plugin:
    registry: dict[str, type] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        Plugin.registry[cls.__name__.lower()] = cls


class Csv(Plugin):
    pass


class Json(Plugin):
    pass


print(sorted(Plugin.registry))
