# expect: deny
# family: unicode-identifiers
# rules: unicode-identifier,dynamic-code
# note: fullwidth letters normalise to eval
ｅｖａｌ('1+1')
