# expect: allow
# note: struct
import struct

packed = struct.pack("<IhB", 1, -2, 3)
print(packed.hex(), struct.unpack("<IhB", packed), struct.calcsize("<IhB"))
