# expect: deny
# family: frame-walk
# rules: frame-walk
# note: async generator frame
async def agen():
    yield 1

print(agen().ag_frame.f_globals)
