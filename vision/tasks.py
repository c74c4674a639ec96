from celery import shared_task

from vision import services


@shared_task
def queue_reminders_task() -> int:
    """Beat runs this every minute: queue goal review emails and self-assessment reminders that are due."""
    return services.reminders_queue()
