# expect: deny
# family: dangerous-modules
# rules: dangerous-module
# note: gc walks every object
import gc
for o in gc.get_objects():
    if type(o).__name__ == 'module':
        print(o)
