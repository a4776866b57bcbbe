# expect: deny
# family: indirect-references
# rules: builtin-reference,dynamic-code
# note: lambda default
run = lambda src, c=compile: c(src, '<x>', 'exec')
run('print(1)')
