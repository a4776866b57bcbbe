# expect: allow
# note: json dumps/loads
import json

record = {"id": 7, "tags": ["a", "b"], "nested": {"ok": True, "ratio": 0.5}}
text = json.dumps(record, indent=2, sort_keys=True)
back = json.loads(text)
assert back == record
print(text)
