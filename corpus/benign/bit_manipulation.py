# expect: allow
# note: bit tricks
def popcount(n: int) -> int:
    count = 0
    while n:
        n &= n - 1
        count += 1
    return count


print(popcount(255), 1 << 10, (0b1010 ^ 0b0110), (-8) >> 1, (5).bit_length())
