# expect: deny
# family: frame-walk
# rules: frame-walk,dunder-escape
# note: traceback frames
try:
    1 / 0
except ZeroDivisionError as e:
    fr = e.__traceback__.tb_frame
    print(fr.f_back.f_locals)
