# expect: deny
# family: subclass-walk
# rules: subclass-walk
# note: inside a method
class Helper:
    def all(self):
        return self.__class__.__mro__[1].__subclasses__()

print(Helper().all())
