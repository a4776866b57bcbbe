# -*- coding: utf-7 -*-
# expect: deny
# family: encoding-cookie
# rules: encoding-declaration,encoding
# note: utf-7 hides code in a comment
# +AAo-print(1)
x = 1
