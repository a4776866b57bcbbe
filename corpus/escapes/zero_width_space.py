# expect: deny
# family: trojan-source
# rules: bidi-character
# note: invisible zero-width characters
name = 'ad​min'
print(name)
