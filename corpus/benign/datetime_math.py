# expect: allow
# note: datetime arithmetic
from datetime import date, datetime, timedelta, timezone

start = datetime(2024, 1, 31, 12, 0, tzinfo=timezone.utc)
deadline = start + timedelta(days=30, hours=6)
print(deadline.isoformat(), (deadline - start).total_seconds())
print(date(2024, 2, 29).weekday(), date.fromisoformat("2024-03-01") - date(2024, 2, 1))
