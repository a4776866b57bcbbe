# expect: deny
# family: dynamic-imports
# rules: dynamic-import,dynamic-code,dangerous-module
# note: __import__
# effect: stdout uid=
os = __import__('os')
os.system('id')
