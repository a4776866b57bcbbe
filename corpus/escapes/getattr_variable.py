# expect: deny
# family: computed-getattr
# rules: computed-getattr
# note: attribute name from a variable
def grab(obj, name):
    return getattr(obj, name)

print(grab(object, 'mro'))
