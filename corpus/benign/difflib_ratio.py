# expect: allow
# note: difflib
import difflib

print(difflib.SequenceMatcher(None, "kitten", "sitting").ratio())
print(difflib.get_close_matches("appel", ["ape", "apple", "peach"]))
