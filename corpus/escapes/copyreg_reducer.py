# expect: deny
# family: dangerous-modules
# rules: dangerous-module
# note: copyreg registers reducers
import copyreg
copyreg.pickle(int, lambda x: (print, ('hi',)))
