# expect: allow
# note: uuid and secrets tokens
import secrets
import uuid

print(uuid.uuid4().hex[:8] != "", len(secrets.token_hex(16)), secrets.choice("abc") in "abc")
print(uuid.UUID("12345678123456781234567812345678"))
