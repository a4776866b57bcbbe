# Attribute accesses worth a policy's attention.
import random
import typing
import asyncio

().__class__.__base__.__subclasses__()
f = lambda: None
f.__globals__["__builtins__"]
m = random
m._os
typing.sys
asyncio.create_subprocess_shell("id")


def gen():
    yield 1


g = gen()
g.gi_frame.f_back.f_globals
tb = None
tb.tb_frame.f_locals
code = f.__code__.co_code
"{0.__class__.__mro__}".format(1)
"{x.__init__.__globals__}".format_map({"x": 1})
getattr(f, "__glo" + "bals__")
setattr(f, "__doc__", "x")
hasattr(f, name)
self_name = object().name
import operator
operator.attrgetter("__class__.__base__")
