# expect: deny
# family: attribute-tampering
# rules: dunder-store
# note: swap an object's class
class A:
    pass

class B:
    pass

a = A()
a.__class__ = B
