# expect: deny
# family: format-string
# rules: format-string-attribute
# note: format_map with attribute path
template = '{u.__class__.__mro__}'
print(template.format_map({'u': 1}))
