# expect: deny
# family: attribute-tampering
# rules: dunder-store,dunder-escape
# note: patch __getattribute__
class A:
    pass

A.__getattribute__ = lambda self, n: 1
