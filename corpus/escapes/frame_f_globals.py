# expect: deny
# family: frame-walk
# rules: frame-walk
# note: frame globals
def gen():
    yield 1

x = gen()
print(x.gi_frame.f_globals)
