#!/usr/bin/env python
# vim: set fileencoding=utf-16 :
# expect: deny
# family: encoding-cookie
# rules: encoding-declaration,encoding
# note: cookie on the second line
x = 1
