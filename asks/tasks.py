from datetime import datetime

from celery import shared_task

from asks import services


def _moment(at: str | None) -> datetime | None:
    # Beat gives none (now); a test or a catch-up by hand gives an ISO moment to scan as of.
    return datetime.fromisoformat(at) if at else None


@shared_task
def queue_clock_emails_task(at: str | None = None) -> int:
    """Beat runs this every quarter of an hour: reminders to responders, and overdue asks to facilitators."""
    return services.clock_emails_queue(now=_moment(at))
