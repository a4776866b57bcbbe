# expect: allow
# note: __str__/__format__ overrides
class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents

    def __str__(self) -> str:
        return f"${self.cents / 100:.2f}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __lt__(self, other: "Money") -> bool:
        return self.cents < other.cents


print(f"{Money(1999):>10}", min(Money(5), Money(3)))
