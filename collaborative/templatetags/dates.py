"""`{% load dates %}`: the machine-readable side of a `<time>` element.

HTML's `datetime` attribute takes at most three digits of a second (milliseconds), but
Python's datetimes carry six, so `|date:"c"` writes values that the W3C checker refuses.
Every `<time datetime="...">` goes through `datetime_attr` instead.
"""

from datetime import date, datetime

from django import template

register = template.Library()


@register.filter(expects_localtime=True)
def datetime_attr(value: date | datetime | None) -> str:
    """A valid `datetime` attribute: a datetime to the second with its offset from UTC
    ("2025-03-01T10:00:00+00:00"), in the time zone the page shows; a date as "2025-03-01";
    anything else as nothing."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return ""


def duration_words(seconds: int) -> str:
    """A whole number of days, hours, minutes or seconds, in words: 180 is "3 minutes"."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"
