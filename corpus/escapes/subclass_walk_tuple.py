# expect: deny
# family: subclass-walk
# rules: subclass-walk
# note: classic: walk from () to object and list every class
classes = ().__class__.__base__.__subclasses__()
print(classes)
