# expect: deny
# family: obfuscated-strings
# rules: obfuscated-string
# note: literal escape dunder for attrgetter
from operator import attrgetter
get = attrgetter('__globals__')
print(get(lambda: 0))
