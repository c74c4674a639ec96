from celery import shared_task

from notifications import delivery, digest
from notifications.mailer import TransientDeliveryError


@shared_task
def dispatch_messages_task() -> int:
    """Beat runs this every minute (and queuing a message due now runs it at once)."""
    return delivery.messages_dispatch(hand_out=send_messages_task.delay)


def _scan_later(seconds: float) -> None:
    dispatch_messages_task.apply_async(countdown=seconds)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=delivery.MAX_ATTEMPTS - 1)
def send_messages_task(self, claim: str, ids: list[int]) -> int:
    try:
        return delivery.messages_send(claim=claim, ids=ids, scan_later=_scan_later)
    except TransientDeliveryError as error:
        if self.request.retries >= self.max_retries:
            delivery.messages_give_up(claim=claim, ids=ids, error=str(error))
            return 0
        raise self.retry(exc=error, countdown=delivery.retry_countdown(self.request.retries)) from error


@shared_task
def gather_digests_task() -> int:
    """Beat runs this every minute: the digests whose time has come, each gathering what was held for it."""
    return digest.digests_gather(dispatch=dispatch_messages_task.delay)
