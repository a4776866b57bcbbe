# expect: allow
# note: time.perf_counter and sleep
import time

start = time.perf_counter()
time.sleep(0.01)
elapsed = time.perf_counter() - start
print(f"{elapsed:.3f}s", time.strftime("%Y", time.gmtime(0)))
