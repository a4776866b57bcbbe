# expect: deny
# family: indirect-references
# rules: builtin-reference,dynamic-code
# note: @exec on a class
@exec
@'print(1)'.format
class X:
    pass
