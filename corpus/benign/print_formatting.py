# expect: allow
# note: print with sep and end
for i in range(3):
    print(i, i * i, sep=" -> ", end="; ")
print()
print("%s has %d items (%.1f%%)" % ("cart", 3, 42.5))
