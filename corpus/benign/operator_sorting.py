# expect: allow
# note: operator itemgetter/attrgetter with plain names
from operator import attrgetter, itemgetter
from dataclasses import dataclass


@dataclass
class Employee:
    name: str
    salary: int


staff = [Employee("a", 3), Employee("b", 1), Employee("c", 2)]
print(sorted(staff, key=attrgetter("salary")))
rows = [(1, "z"), (0, "y")]
print(sorted(rows, key=itemgetter(0)))
