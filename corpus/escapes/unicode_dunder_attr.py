# expect: deny
# family: unicode-identifiers
# rules: unicode-identifier,subclass-walk
# note: fullwidth letters inside a dunder attribute
print(object.__ｓubclasses__())
