# expect: allow
# note: hashlib and base64
import base64
import hashlib

data = "hello world".encode()
print(hashlib.sha256(data).hexdigest())
print(hashlib.md5(data, usedforsecurity=False).hexdigest())
token = base64.urlsafe_b64encode(data).decode()
print(token, base64.urlsafe_b64decode(token))
