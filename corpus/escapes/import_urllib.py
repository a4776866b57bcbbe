# expect: deny
# family: imports
# rules: import-not-allowed
# note: urllib
# effect: stdout <
from urllib.request import urlopen
print(urlopen('http://example.com').read())
