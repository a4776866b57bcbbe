# expect: deny
# family: dynamic-imports
# rules: dynamic-import,dynamic-code,obfuscated-string
# note: computed module name
name = 'o' + 's'
m = __import__(name)
