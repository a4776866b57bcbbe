import time

time.sleep(5)
print("done")
