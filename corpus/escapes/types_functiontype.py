# expect: deny
# family: code-objects
# rules: code-object,dangerous-module
# note: construct a function
from types import FunctionType
fn = FunctionType((lambda: 0).__code__, {})
