# expect: deny
# family: dangerous-builtins
# rules: dangerous-builtin
# note: read a file
with open('/etc/passwd') as fh:
    print(fh.read())
