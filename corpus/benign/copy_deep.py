# expect: allow
# note: copy.deepcopy
import copy

original = {"a": [1, 2, {"b": 3}]}
shallow = copy.copy(original)
deep = copy.deepcopy(original)
deep["a"][2]["b"] = 99
print(original, shallow is not original, deep)
