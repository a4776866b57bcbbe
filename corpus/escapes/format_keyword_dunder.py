# expect: deny
# family: format-string
# rules: format-string-attribute
# note: keyword field with dunder
msg = 'value: {v.__class__.__base__}'.format(v=3)
print(msg)
