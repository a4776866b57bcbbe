# expect: allow
# note: functools.total_ordering
from functools import total_ordering


@total_ordering
class Grade:
    ORDER = "FDCBA"

    def __init__(self, letter: str) -> None:
        self.letter = letter

    def __eq__(self, other) -> bool:
        return self.letter == other.letter

    def __lt__(self, other) -> bool:
        return self.ORDER.index(self.letter) < self.ORDER.index(other.letter)


print(sorted([Grade("B"), Grade("A"), Grade("F")], reverse=True)[0].letter, Grade("C") >= Grade("D"))
