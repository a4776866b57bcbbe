# coding: latin-1
# expect: deny
# family: encoding-cookie
# rules: encoding-declaration,encoding
# note: latin-1 decoding differs
x = 'café'
