# expect: deny
# family: subclass-walk
# rules: subclass-walk
# note: hidden in a lambda
find = lambda name: [c for c in object.__subclasses__() if c.__name__ == name]
print(find('Popen'))
