# expect: deny
# family: subclass-walk
# rules: subclass-walk
# note: mro[-1] is object
obj = ''.__class__.__mro__[-1]
for k in obj.__subclasses__():
    if k.__name__ == '_wrap_close':
        print(k)
