# expect: allow
# note: math module
import math


def distance(p, q):
    return math.hypot(q[0] - p[0], q[1] - p[1])


def polygon_area(points):
    n = len(points)
    return abs(sum(points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1] for i in range(n))) / 2


print(distance((0, 0), (3, 4)), polygon_area([(0, 0), (4, 0), (4, 3)]), math.degrees(math.pi / 3))
print(math.comb(10, 3), math.gcd(48, 18), math.factorial(10), 2 ** 64)
