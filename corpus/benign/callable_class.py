# expect: allow
# note: __call__ and __getitem__
class Polynomial:
    def __init__(self, *coeffs: float) -> None:
        self.coeffs = coeffs

    def __call__(self, x: float) -> float:
        return sum(c * x ** i for i, c in enumerate(self.coeffs))

    def __getitem__(self, i: int) -> float:
        return self.coeffs[i]

    def __len__(self) -> int:
        return len(self.coeffs)

    def __bool__(self) -> bool:
        return any(self.coeffs)


p = Polynomial(1, 0, 2)
print(p(3), p[2], len(p), bool(p))
