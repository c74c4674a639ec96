"""When the owner of an action hears about it: the follow-up schedule.

Shared by the scan that queues follow-ups (actions.services.followups_queue) and the emails
that tell the owner when the next one comes (actions.emails).
"""

from datetime import date, datetime, time, timedelta

from actions.models import Action
from members.models import Collaborative

# Follow-ups go out at this time of day, in the Collaborative's time zone.
FOLLOW_UP_TIME = time(9, 0)
DUE_SOON_DAYS = 3


def follow_up_day(collaborative: Collaborative, now: datetime) -> date:
    """The day follow-ups are being sent for: today from 9am local time, yesterday before."""
    local = collaborative.local_now(now)
    return local.date() if local.time() >= FOLLOW_UP_TIME else local.date() - timedelta(days=1)


def follow_up_occasion(action: Action, today: date) -> str | None:
    """Which follow-up the owner of a live action should have by `today`, or None.

    3 days before the due date, on it, then every 7 days while overdue. The occasion
    names the due date, so moving the due date starts the schedule again.
    """
    due = action.due_on
    if today < due - timedelta(days=DUE_SOON_DAYS):
        return None
    if today < due:
        return f"due-soon-{due.isoformat()}"
    if today < due + timedelta(days=7):
        return f"due-{due.isoformat()}"
    weeks = (today - due).days // 7
    return f"overdue-{due.isoformat()}-{weeks}"


def follow_up_began(due: date, today: date) -> date:
    """The first day of the follow-up `follow_up_occasion` gives for `today`."""
    if today < due:
        return due - timedelta(days=DUE_SOON_DAYS)
    return due + timedelta(days=7 * ((today - due).days // 7))


def next_follow_up_day(due: date, after: date) -> date:
    """The first day after `after` on which the owner gets a follow-up."""
    for day in (due - timedelta(days=DUE_SOON_DAYS), due):
        if day > after:
            return day
    return due + timedelta(days=7 * ((after - due).days // 7 + 1))
