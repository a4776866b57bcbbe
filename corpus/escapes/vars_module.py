# expect: deny
# family: namespace-introspection
# rules: namespace-builtin
# note: vars() of an object
import math
print(vars(math))
