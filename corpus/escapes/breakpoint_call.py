# expect: deny
# family: dangerous-builtins
# rules: dangerous-builtin
# note: debugger
x = 1
breakpoint()
