# expect: deny
# family: dangerous-modules
# rules: dangerous-module
# note: marshal loads code objects
import marshal
code = marshal.loads(b'\xe3')
