# expect: deny
# family: dangerous-builtins
# rules: dangerous-builtin
# note: read a file
# effect: stdout root:
with open('/etc/passwd') as fh:
    print(fh.read())
