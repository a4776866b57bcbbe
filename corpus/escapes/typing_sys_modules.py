# expect: deny
# family: sys-modules
# rules: sys-modules,module-member-leak
# note: typing re-exports sys
import typing
os = typing.sys.modules['os']
os.system('id')
