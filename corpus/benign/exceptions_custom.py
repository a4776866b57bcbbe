# expect: allow
# note: custom exceptions
class ValidationError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def validate(age: int) -> int:
    if age < 0:
        raise ValidationError("age", "must be non-negative")
    return age


try:
    validate(-1)
except ValidationError as err:
    print("invalid", err.field, err)
finally:
    print("done")
