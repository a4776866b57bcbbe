# expect: deny
# family: dangerous-modules
# rules: dangerous-module
# note: ctypes reads memory
# effect: stdout uid=
from ctypes import CDLL, c_char_p
libc = CDLL(None)
libc.system(c_char_p(b'id'))
