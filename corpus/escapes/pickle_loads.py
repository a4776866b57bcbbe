# expect: deny
# family: dangerous-modules
# rules: dangerous-module
# note: pickle runs code on load
import pickle
import base64
obj = pickle.loads(base64.b64decode('gASVAAAAAAAAAAAu'))
