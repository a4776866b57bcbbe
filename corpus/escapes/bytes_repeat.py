# expect: deny
# family: resource-bombs
# rules: resource-bomb
# note: bytes repeat
blob = b'\x00' * 100_000_000_000
