from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "worker-heartbeat:{label}"


@shared_task
def heartbeat(label: str = "beat") -> None:
    """Record when a worker last ran a task, so /healthz can show the worker is alive."""
    cache.set(HEARTBEAT_KEY.format(label=label), timezone.now().isoformat(), timeout=None)


@shared_task
def fold_data_changes_task() -> int:
    """Fold the rows the change triggers wrote into the data's version (collaborative.freshness)."""
    from collaborative.freshness import fold

    return fold()
