from datetime import datetime

from celery import shared_task

from payments import emails


def _moment(at: str | None) -> datetime | None:
    # Beat gives none (now); a test or a catch-up by hand gives an ISO moment to scan as of.
    return datetime.fromisoformat(at) if at else None


@shared_task
def queue_expenses_reminders_task(at: str | None = None) -> int:
    """Beat runs this every quarter of an hour: "you have expenses to claim", the morning after a meeting."""
    return emails.expenses_reminders_queue(now=_moment(at))


@shared_task
def queue_waiting_lists_task(at: str | None = None) -> int:
    """Beat runs this every quarter of an hour: the payments contacts' list of what waits, on Monday mornings."""
    return emails.waiting_lists_queue(now=_moment(at))
