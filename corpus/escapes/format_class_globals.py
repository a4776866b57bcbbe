# expect: deny
# family: format-string
# rules: format-string-attribute,builtins-recovery
# note: format spec attribute lookup
class User:
    def __init__(self):
        self.name = 'x'

print('{0.__init__.__globals__}'.format(User()))
