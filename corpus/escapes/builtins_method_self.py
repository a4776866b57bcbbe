# expect: deny
# family: builtins-recovery
# rules: builtins-recovery
# note: len.__self__
mod = len.__self__
print(mod.open)
