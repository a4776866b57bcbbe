# expect: deny
# family: indirect-references
# rules: builtin-reference,dangerous-builtin
# note: open as a default argument
def read(path, opener=open):
    return opener(path).read()

print(read('/etc/passwd'))
