# expect: deny
# family: frame-walk
# rules: frame-walk
# note: generator frame back to caller globals
g = (i for i in [1])
f = g.gi_frame.f_back
print(f)
