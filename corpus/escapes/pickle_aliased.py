# expect: deny
# family: dangerous-modules
# rules: dangerous-module
# note: aliased import
import pickle as serializer
serializer.dumps(1)
