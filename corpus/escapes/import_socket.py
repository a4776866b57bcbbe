# expect: deny
# family: imports
# rules: dangerous-module
# note: socket
import socket
s = socket.socket()
