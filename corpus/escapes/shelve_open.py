# expect: deny
# family: dangerous-modules
# rules: dangerous-module
# note: shelve is pickle-backed
import shelve
with shelve.open('db') as db:
    print(db['x'])
