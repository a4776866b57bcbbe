# expect: allow
# note: module docstring and __all__
"""Small utilities for text statistics."""

__all__ = ["word_count", "char_count"]
__version__ = "1.0"


def word_count(text: str) -> int:
    return len(text.split())


def char_count(text: str, *, ignore_spaces: bool = True) -> int:
    return len(text.replace(" ", "")) if ignore_spaces else len(text)


if __name__ == "__main__":
    print(word_count("a b c"), char_count("a b c"), __doc__, __name__)
