# expect: deny
# family: computed-getattr
# rules: obfuscated-string,computed-getattr,builtins-recovery
# note: reversed string
name = '__slabolg__'[::-1]
print(getattr(lambda: 0, name))
