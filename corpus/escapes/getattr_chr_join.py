# expect: deny
# family: computed-getattr
# rules: obfuscated-string,computed-getattr,subclass-walk
# note: chr join
n = ''.join(map(chr, [95, 95, 115, 117, 98, 99, 108, 97, 115, 115, 101, 115, 95, 95]))
print(getattr(object, n)())
