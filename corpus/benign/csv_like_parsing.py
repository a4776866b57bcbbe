# expect: allow
# note: parsing text data without files
DATA = """name,age,city
Alice,30,Paris
Bob,25,Berlin
Carol,35,Rome"""

header, *rows = [line.split(",") for line in DATA.splitlines()]
records = [dict(zip(header, row)) for row in rows]
avg_age = sum(int(r["age"]) for r in records) / len(records)
print(records[0], avg_age)
