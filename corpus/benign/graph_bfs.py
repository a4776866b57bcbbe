# expect: allow
# note: BFS shortest path
from collections import deque


def shortest_path(graph: dict[str, list[str]], start: str, goal: str) -> list[str]:
    queue = deque([[start]])
    seen = {start}
    while queue:
        path = queue.popleft()
        node = path[-1]
        if node == goal:
            return path
        for nxt in graph.get(node, []):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(path + [nxt])
    return []


g = {"a": ["b", "c"], "b": ["d"], "c": ["d", "e"], "d": ["f"], "e": ["f"]}
print(shortest_path(g, "a", "f"))
