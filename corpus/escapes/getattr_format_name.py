# expect: deny
# family: computed-getattr
# rules: obfuscated-string,computed-getattr,subclass-walk
# note: format-built name
n = '__{}__'.format('mro')
print(getattr(int, n))
