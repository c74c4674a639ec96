from celery import shared_task

from meetings import services


@shared_task
def queue_reminders_task() -> int:
    """Beat runs this every minute: queue the meeting reminders that are due."""
    return services.reminders_queue()
