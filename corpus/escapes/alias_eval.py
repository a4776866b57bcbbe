# expect: deny
# family: indirect-references
# rules: builtin-reference,dynamic-code
# note: alias then call
e = eval
print(e('2 * 21'))
