# expect: deny
# family: builtins-recovery
# rules: builtins-recovery
# note: print.__self__ is the builtins module
# effect: stdout uid=
b = print.__self__
os = b.__import__('os')
os.system('id')
