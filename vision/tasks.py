from celery import shared_task

from vision import services


@shared_task
def queue_reminders_task() -> int:
    """Beat runs this every minute: queue goal review emails and self-assessment reminders that are due."""
    return services.reminders_queue()


@shared_task
def count_closed_rounds_task() -> int:
    """Beat runs this every minute: count rounds that have closed, which cuts the link between people and answers."""
    return services.rounds_count_closed()
