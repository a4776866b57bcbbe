# expect: deny
# family: obfuscated-strings
# rules: obfuscated-string
# note: chr-built name used later
name = ''.join(map(chr, [101, 118, 97, 108]))
print(name)
