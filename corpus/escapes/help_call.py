# expect: deny
# family: dangerous-builtins
# rules: dangerous-builtin
# note: interactive help pager
help('modules')
