# expect: deny
# family: unicode-identifiers
# rules: unicode-identifier,dangerous-builtin
# note: fullwidth o in open
ｏpen('/etc/passwd')
