# expect: deny
# family: subclass-walk
# rules: subclass-walk
# note: type(x) then __base__
t = type(1)
root = t.__base__
subs = root.__subclasses__()
