# expect: deny
# family: subclass-walk
# rules: subclass-walk
# note: __bases__ tuple
base = int.__bases__[0]
print(len(base.__subclasses__()))
