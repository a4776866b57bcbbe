# Imports in every form.
import os
import os.path as osp
import a.b.c
from collections import OrderedDict as OD, deque
from . import sibling
from ..pkg.mod import thing
from random import *
from contextlib import os as leaked_os
from random import _os

m = __import__("o" + "s")
m.system("id")
import importlib
mod = importlib.import_module("sub" + "process")
mod.run(["ls"])
spec = __spec__
loader = __loader__
importlib.util.spec_from_file_location("evil", "/tmp/evil.py")
h = __import__("hashlib")
h.sha256(b"x")
