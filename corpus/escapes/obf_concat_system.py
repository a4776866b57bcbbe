# expect: deny
# family: obfuscated-strings
# rules: obfuscated-string
# note: concatenated system
fn = 'sys' + 'tem'
print(fn)
