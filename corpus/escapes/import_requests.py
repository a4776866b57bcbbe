# expect: deny
# family: imports
# rules: import-not-allowed
# note: third-party network client
import requests
requests.get('http://example.com')
