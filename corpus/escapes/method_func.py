# expect: deny
# family: code-objects
# rules: code-object
# note: __func__ of a bound method
class A:
    def m(self):
        return 1

print(A().m.__func__)
