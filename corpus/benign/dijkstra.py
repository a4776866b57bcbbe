# expect: allow
# note: Dijkstra with heapq
import heapq


def dijkstra(graph, source):
    dist = {source: 0}
    pq = [(0, source)]
    while pq:
        d, u = heapq.heappop(pq)
        if d > dist.get(u, float("inf")):
            continue
        for v, w in graph.get(u, []):
            nd = d + w
            if nd < dist.get(v, float("inf")):
                dist[v] = nd
                heapq.heappush(pq, (nd, v))
    return dist


print(dijkstra({"a": [("b", 1), ("c", 4)], "b": [("c", 2)]}, "a"))
