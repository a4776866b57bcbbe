# expect: allow
# note: bisect
import bisect


def find(sorted_values: list[int], target: int) -> int:
    i = bisect.bisect_left(sorted_values, target)
    if i < len(sorted_values) and sorted_values[i] == target:
        return i
    return -1


data = [1, 3, 5, 7, 9, 11]
print(find(data, 7), find(data, 4))
