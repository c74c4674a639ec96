"""Working days in England and Wales, with the bank holidays from the `holidays` library."""

from datetime import date

import pytest

from collaborative.working_days import add_working_days, bank_holiday_name, is_working_day, working_days_between


def test_weekends_and_bank_holidays_are_not_working_days():
    assert is_working_day(date(2026, 12, 24))  # A Thursday.
    assert not is_working_day(date(2026, 12, 25))  # Christmas Day.
    assert not is_working_day(date(2026, 12, 26))  # A Saturday.
    # Boxing Day falls on a Saturday in 2026, so the bank holiday moves to Monday 28 December.
    assert not is_working_day(date(2026, 12, 28))
    assert bank_holiday_name(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert is_working_day(date(2026, 12, 29))


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 12, 7), 5, date(2026, 12, 14)),  # A plain week: Monday to Monday.
        # Over Christmas: 24th, 29th, 30th, 31st, then 4 January (1 January is a bank holiday).
        (date(2026, 12, 23), 5, date(2027, 1, 4)),
        # Twenty working days from Friday 20 March 2026 cross Good Friday and Easter Monday (3 and 6 April).
        (date(2026, 3, 20), 20, date(2026, 4, 21)),
        (date(2026, 12, 7), 0, date(2026, 12, 7)),
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected
    assert working_days_between(start, expected) == days


def test_working_days_between_is_zero_backwards():
    assert working_days_between(date(2026, 12, 10), date(2026, 12, 7)) == 0
