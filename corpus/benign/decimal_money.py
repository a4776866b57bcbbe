# expect: allow
# note: decimal and fractions
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

price = Decimal("19.99")
tax = (price * Decimal("0.0825")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
print(price + tax)
print(Fraction(1, 3) + Fraction(1, 6))
