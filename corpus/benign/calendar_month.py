# expect: allow
# note: calendar module
import calendar

print(calendar.monthrange(2024, 2), calendar.isleap(2024), calendar.day_name[0])
