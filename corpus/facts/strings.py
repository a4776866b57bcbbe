# Constant folding of computed strings.
import base64
import codecs

a = "__im" + "port__"
b = "%s%s" % ("ev", "al")
c = "{}{}".format("ex", "ec")
who = "sys"
d = f"o{who[0]}"
e = "".join(["o", "s"])
f = "".join(map(chr, [101, 118, 97, 108]))
g = chr(95) * 2 + "class" + chr(95) * 2
h = bytes([111, 115]).decode()
i = b"os".decode()
j = bytes.fromhex("6f73").decode()
k = base64.b64decode("ZXZhbA==").decode()
l = "lave"[::-1]
m = "EXEC".lower()
n = "__im"
o = getattr(__builtins__, n + "port__")
p = "sXstem".replace("X", "y")
q = "".join([chr(c) for c in [111, 115]])
r = codecs.decode("riny", "rot13")
s = "__dict__"
t = "a" + unknown
u = "x" * 5000
