# expect: allow
# note: heapq
import heapq

scores = {"ann": 91, "bob": 78, "cy": 85, "di": 99, "ed": 60}
top3 = heapq.nlargest(3, scores.items(), key=lambda kv: kv[1])
print(top3)
h: list[int] = []
for v in [5, 1, 4, 2]:
    heapq.heappush(h, v)
print([heapq.heappop(h) for _ in range(len(h))])
