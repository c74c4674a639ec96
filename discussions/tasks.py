"""Beat's scans for polls (CELERY_BEAT_SCHEDULE in collaborative/settings.py), thin wrappers around polls.py."""

from celery import shared_task

from discussions import polls


@shared_task
def close_due_polls_task() -> int:
    """Beat runs this every minute: close and count the polls past their closing time (an anonymous poll's
    ballots are deleted then)."""
    return polls.polls_close_due()


@shared_task
def queue_polls_closing_soon_task() -> int:
    """Beat runs this every quarter of an hour: remind those who have not voted in a poll closing within a day."""
    return polls.polls_closing_soon_queue()
