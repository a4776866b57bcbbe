# expect: deny
# family: obfuscated-strings
# rules: obfuscated-string
# note: percent formatting
n = '__%s__' % 'import'
print(n)
