# expect: deny
# family: builtins-recovery
# rules: builtins-recovery,subclass-walk
# note: subclass init globals
for k in object.__subclasses__():
    g = getattr(k.__init__, '__globals__', None)
    if g and 'sys' in g:
        print(g['sys'])
