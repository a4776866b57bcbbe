# expect: allow
# note: TypedDict and Literal
from typing import Literal, TypedDict


class Transaction(TypedDict):
    kind: Literal["deposit", "withdrawal"]
    amount: float


def balance(txs: list[Transaction]) -> float:
    total = 0.0
    for tx in txs:
        if tx["kind"] == "deposit":
            total += tx["amount"]
        else:
            total -= tx["amount"]
    return total


print(balance([{"kind": "deposit", "amount": 10}, {"kind": "withdrawal", "amount": 3.5}]))
