# expect: allow
# note: unicodedata
import unicodedata

for ch in "aé€":
    print(ch, unicodedata.name(ch), unicodedata.category(ch))
print(unicodedata.normalize("NFC", "e\u0301") == "é")
