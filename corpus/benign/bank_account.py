# expect: allow
# note: class with properties and classmethods
class BankAccount:
    interest_rate = 0.02

    def __init__(self, owner: str, balance: float = 0.0) -> None:
        self.owner = owner
        self._balance = balance

    @property
    def balance(self) -> float:
        return self._balance

    def deposit(self, amount: float) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")
        self._balance += amount

    @classmethod
    def with_bonus(cls, owner: str) -> "BankAccount":
        return cls(owner, 100.0)

    @staticmethod
    def fee(amount: float) -> float:
        return round(amount * 0.01, 2)


acct = BankAccount.with_bonus("ann")
acct.deposit(50)
print(acct.balance, BankAccount.fee(250))
