# expect: deny
# family: dynamic-imports
# rules: dynamic-import,dangerous-module
# note: importlib
import importlib
m = importlib.import_module('subprocess')
