# expect: deny
# family: indirect-references
# rules: builtin-reference,dangerous-builtin
# note: decorator breakpoint
handlers = {'debug': breakpoint}
handlers['debug']()
