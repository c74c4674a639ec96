"""Rows the impact tests share: meetings on London's dates, people with perspectives, goal reviews, asks sent."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from asks.models import Ask, Sending
from meetings.models import Meeting
from members.models import Visibility
from tests.factories import MeetingFactory, UserFactory
from vision.models import GoalReview

LONDON = ZoneInfo("Europe/London")
# A whole past financial year: its first and last days, and the days either side.
START, END = date(2025, 4, 1), date(2026, 3, 31)
BEFORE, AFTER = date(2025, 3, 31), date(2026, 4, 1)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A moment on `day`, on London's clocks (British Summer Time included)."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def meeting_on(collaborative, day: date, *, hour: int = 10, minute: int = 0, **fields) -> Meeting:
    starts = at(day, hour, minute)
    ends = starts + timedelta(minutes=30)
    return MeetingFactory(collaborative=collaborative, starts_at=starts, ends_at=ends, **fields)


def person(*perspectives: str, visibility: str = Visibility.MEMBERS):
    return UserFactory(perspectives=list(perspectives), perspectives_visibility=visibility)


def review(goal, outcome, day: date) -> None:
    GoalReview.objects.create(goal=goal, outcome=outcome, reviewed_on=day)
    goal.status = {"achieved": "achieved", "retired": "retired"}.get(outcome, "active")
    goal.save()


def ask_sent(collaborative, sent_on: date, *, due_on: date, answered_on: date | None = None, organisation="The trust"):
    ask = Ask.objects.create(
        collaborative=collaborative,
        title="Crisis line answered at night",
        request="Answer the crisis line at night.",
        organisation=organisation,
        responder_name="Pat Jones",
        responder_email="pat@example.org",
        status=Ask.Status.ANSWERED if answered_on else Ask.Status.WAITING,
    )
    return Sending.objects.create(
        ask=ask,
        organisation=organisation,
        responder_name="Pat Jones",
        responder_email="pat@example.org",
        sent_on=sent_on,
        due_on=due_on,
        first_due_on=due_on,
        answered_on=answered_on,
    )
