# expect: deny
# family: trojan-source
# rules: bidi-character
# note: isolates in a comment
is_admin = False
# ⁧ is_admin = True ⁩
print(is_admin)
