# expect: deny
# family: frame-walk
# rules: frame-walk
# note: coroutine frame
async def job():
    return 1

co = job()
print(co.cr_frame.f_builtins)
co.close()
