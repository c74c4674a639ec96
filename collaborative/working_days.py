"""Working days in England and Wales: Monday to Friday, less the bank holidays.

Clocks that run in working days (a claim waiting to be paid, an answer due from an outside
body) count them here. The bank holidays come from the kept `holidays` library, which knows
substitute days (Boxing Day on a Saturday moves to Monday) and one-off days such as a
coronation, rather than from a list written by hand. England and Wales share one set of
bank holidays; the library names it by England.
"""

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def bank_holiday_name(day: date) -> str | None:
    return holidays.country_holidays("GB", subdiv="ENG", years=day.year).get(day)


def add_working_days(start: date, days: int) -> date:
    """The working day `days` working days after `start` (`start` itself is not counted); with a negative
    `days`, that many working days before it."""
    day, step = start, timedelta(days=1 if days >= 0 else -1)
    days = abs(days)
    while days > 0:
        day += step
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days after `start`, up to and including `end` (0 when `end` is not later)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
