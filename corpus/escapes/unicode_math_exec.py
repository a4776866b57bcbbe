# expect: deny
# family: unicode-identifiers
# rules: unicode-identifier,dynamic-code
# note: mathematical italic exec
𝑒𝑥𝑒𝑐('print(1)')
