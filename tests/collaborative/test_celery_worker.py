"""A real Celery worker, in its own process.

With REDIS_URL set (as in CI) it runs against Redis and PostgreSQL, as in production;
without, against the filesystem broker that `make run` uses.
"""

import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import transaction

from collaborative.tasks import HEARTBEAT_KEY, heartbeat
from tests.workers import start_worker, stop_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_queue(settings):
    """Start `celery worker` on a queue of its own; stop it after the test."""
    queue = f"test-{uuid.uuid4().hex}"
    worker = start_worker(settings, queue=queue)
    try:
        yield queue
    finally:
        stop_worker(worker)


def wait_for(key: str, seconds: float = 30) -> str | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = cache.get(key)
        if value is not None:
            return value
        time.sleep(0.1)
    return None


def test_task_enqueued_on_commit_runs_and_one_in_a_rolled_back_transaction_never_does(worker_queue):
    committed, rolled_back, after = (f"label-{n}-{uuid.uuid4().hex}" for n in range(3))

    with transaction.atomic():
        heartbeat.apply_async_on_commit(args=[committed], queue=worker_queue)
        # Nothing is sent while the transaction is open.
        time.sleep(0.5)
        assert cache.get(HEARTBEAT_KEY.format(label=committed)) is None

    assert wait_for(HEARTBEAT_KEY.format(label=committed)) is not None

    with transaction.atomic():
        heartbeat.apply_async_on_commit(args=[rolled_back], queue=worker_queue)
        transaction.set_rollback(True)

    # The worker takes one message at a time in order, so once a task sent after the
    # rollback has run, the rolled-back one would have run too, had it been sent.
    with transaction.atomic():
        heartbeat.apply_async_on_commit(args=[after], queue=worker_queue)
    assert wait_for(HEARTBEAT_KEY.format(label=after)) is not None
    assert cache.get(HEARTBEAT_KEY.format(label=rolled_back)) is None
