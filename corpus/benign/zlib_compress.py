# expect: allow
# note: zlib
import zlib

raw = b"abc" * 100
packed = zlib.compress(raw)
print(len(raw), len(packed), zlib.decompress(packed) == raw, zlib.crc32(raw))
