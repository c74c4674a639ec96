from celery import shared_task

from notifications import services
from notifications.mailer import TransientDeliveryError


@shared_task
def dispatch_messages_task() -> int:
    """Beat runs this every minute (and queuing a message due now runs it at once)."""
    return services.messages_dispatch()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=services.MAX_ATTEMPTS - 1)
def send_messages_task(self, claim: str, ids: list[int]) -> int:
    try:
        return services.messages_send(claim=claim, ids=ids)
    except TransientDeliveryError as error:
        if self.request.retries >= self.max_retries:
            services.messages_give_up(claim=claim, ids=ids, error=str(error))
            return 0
        raise self.retry(exc=error, countdown=services.retry_countdown(self.request.retries)) from error
