# expect: allow
# note: re module
import re

LOG = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2}) (?P<level>[A-Z]+) (?P<msg>.*)")
lines = ["2024-01-02 INFO started", "2024-01-02 ERROR failed to connect", "garbage"]
for line in lines:
    m = LOG.match(line)
    if m:
        print(m.group("level"), m["msg"])
emails = re.findall(r"[\w.]+@[\w.]+", "a@b.com, c.d@e.org")
print(emails, re.sub(r"\s+", " ", "a   b\tc"))
