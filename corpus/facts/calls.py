# Calls resolved through aliases, builtins and modules.
import os
import subprocess as sp
from os import system as run_it

os.system("echo " + "hi")
sp.Popen(["ls", "-l"])
run_it("id")
b = __builtins__
b.exec("x = 1")
import builtins
builtins.eval("1")
e = eval
e("2")
getattr(os, "sys" + "tem")("id")
getattr(os, attr_name)
len("not reported")
"a,b".split(",")
object.__subclasses__()
