# expect: allow
# note: word frequency report
import re
from collections import Counter

TEXT = """It was the best of times, it was the worst of times,
it was the age of wisdom, it was the age of foolishness"""

words = re.findall(r"[a-z']+", TEXT.lower())
for word, n in Counter(words).most_common(5):
    print(f"{word:<10} {n:>3}")
