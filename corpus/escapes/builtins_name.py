# expect: deny
# family: builtins-recovery
# rules: builtins-recovery
# note: the name __builtins__ directly
# effect: stdout uid=
imp = __builtins__.__dict__['__import__']
imp('os').system('ls')
