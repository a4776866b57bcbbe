# expect: deny
# family: computed-getattr
# rules: builtins-recovery,obfuscated-string,computed-getattr
# note: folded concatenation
imp = getattr(__builtins__, '__im' + 'port__')
imp('os')
