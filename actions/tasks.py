from celery import shared_task

from actions import services


@shared_task
def queue_follow_ups_task() -> int:
    """Beat runs this every minute: owners' follow-ups, digests before meetings, commissioners' monthly summary."""
    return services.followups_queue()
