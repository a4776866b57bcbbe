# expect: allow
# note: Counter, defaultdict, deque, namedtuple
from collections import Counter, defaultdict, deque, namedtuple

text = "the quick brown fox jumps over the lazy dog the end"
counts = Counter(text.split())
by_len = defaultdict(list)
for word in counts:
    by_len[len(word)].append(word)
window = deque(maxlen=3)
for n in range(6):
    window.append(n)
Pair = namedtuple("Pair", ["left", "right"])
print(counts.most_common(2), dict(by_len), list(window), Pair(1, 2))
