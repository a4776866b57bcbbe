# expect: deny
# family: parser-limits
# rules: syntax-error
# note: not Python
def f(:
    return
