# expect: allow
# note: __post_init__ validation
from dataclasses import dataclass, field


@dataclass
class Order:
    quantity: int
    unit_price: float
    total: float = field(init=False)

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError("quantity must be positive")
        self.total = self.quantity * self.unit_price


print(Order(3, 2.5))
