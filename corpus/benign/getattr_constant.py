# expect: allow
# note: getattr with a constant name and default
class Config:
    debug = False


cfg = Config()
print(getattr(cfg, "debug", True), getattr(cfg, "verbose", False), hasattr(cfg, "debug"))
setattr(cfg, "debug", True)
print(cfg.debug)
