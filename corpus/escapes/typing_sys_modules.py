# expect: deny
# family: sys-modules
# rules: sys-modules,module-member-leak
# note: typing re-exports sys
# effect: stdout uid=
import typing
os = typing.sys.modules['os']
os.system('id')
