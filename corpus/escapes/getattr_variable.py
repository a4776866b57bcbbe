# expect: deny
# family: computed-getattr
# rules: computed-getattr
# note: attribute name from a variable
name = input_name = str(42)
value = getattr(object, name)
