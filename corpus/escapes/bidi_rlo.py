# expect: deny
# family: trojan-source
# rules: bidi-character
# note: right-to-left override in a string
access_level = 'user‮ ⁦# Check if admin⁩ ⁦'
if access_level != 'user':
    print('admin')
