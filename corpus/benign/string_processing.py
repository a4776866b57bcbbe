# expect: allow
# note: string methods
def is_palindrome(s: str) -> bool:
    cleaned = "".join(ch.lower() for ch in s if ch.isalnum())
    return cleaned == cleaned[::-1]


def title_case(s: str) -> str:
    return " ".join(w.capitalize() for w in s.split())


print(is_palindrome("A man, a plan, a canal: Panama"), title_case("hello big world"))
print("a,b,,c".split(","), "  pad ".strip(), "x".center(5, "*"), "abc".replace("b", "B"))
