"""The proof that emails go out exactly once: real Celery workers, Redis, PostgreSQL and
a real SMTP server, including a worker killed in the middle of a fan-out."""

import signal
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from members.emails import WELCOME
from members.models import Collaborative, Membership, User
from notifications.delivery import SEND_CHUNK, messages_dispatch
from notifications.models import Message
from notifications.services import messages_queue
from notifications.tasks import send_messages_task
from tests.conftest import require_services
from tests.smtp_sink import SMTPSink
from tests.workers import start_worker, stop_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def services():
    require_services()
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: set DATABASE_URL=postgres://... (see README, Tests).")


@pytest.fixture
def sink():
    with SMTPSink() as sink:
        yield sink


@pytest.fixture
def workers(settings, sink, services):
    """Start workers that send to the sink; every one still running is stopped afterwards."""
    started = []

    def start(**env):
        worker = start_worker(settings, EMAIL_URL=sink.url, **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop_worker(worker)


def make_members(count: int) -> tuple[Collaborative, list[Membership]]:
    collaborative = Collaborative.objects.create(
        name="Lambeth Living Well Collaborative", slug="lambeth", area="Lambeth"
    )
    users = User.objects.bulk_create(
        User(email=f"member{n}@example.org", display_name=f"Member {n}") for n in range(count)
    )
    memberships = Membership.objects.bulk_create(Membership(user=user, collaborative=collaborative) for user in users)
    return collaborative, memberships


def fan_out(collaborative, memberships, **options) -> None:
    """One message per member, queued in one transaction; commit hands it to the workers."""
    with transaction.atomic():
        messages_queue(
            recipients=[m.user for m in memberships],
            collaborative=collaborative,
            kind=WELCOME,
            about=collaborative,
            occasion="fan-out",
            **options,
        )


def wait_until(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {seconds} s waiting for {what}")


def all_sent(count: int):
    return lambda: Message.objects.filter(status=Message.Status.SENT).count() == count


def assert_exactly_once(sink, memberships) -> None:
    expected = {m.user.email for m in memberships}
    deadline = time.monotonic() + 10
    while sink.count() < len(expected) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # Anything sent twice would arrive now.
    received = sink.per_recipient()
    lost = sorted(expected - set(received))
    details = list(Message.objects.filter(recipient__email__in=lost[:5]).values("status", "attempts", "sent_at"))
    assert lost == [], f"{len(lost)} lost, e.g. {lost[:5]}: {details}"
    assert [email for email, times in received.items() if times != 1] == [], "duplicates"
    assert sink.count() == len(memberships)


def test_a_fan_out_of_1000_is_delivered_exactly_once(workers, sink):
    collaborative, memberships = make_members(1000)
    workers()
    fan_out(collaborative, memberships)
    wait_until(all_sent(1000), seconds=120, what="1,000 messages to be sent")
    assert_exactly_once(sink, memberships)
    assert set(Message.objects.values_list("attempts", flat=True)) == {1}


def lock_waiters() -> int:
    """Database sessions of this test database waiting for a row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def kill(worker) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


# The moments a worker can die while it sends one message (see notifications/mailer.py).
# The SMTP server stops at the message to member KILLED_AT, so the kill lands exactly there: in the
# third of four send tasks (of SEND_CHUNK messages, 50), after the first half of that task's messages
# are sent and before the rest, with the fourth task still waiting in the queue. Members 125 of 200.
FAN_OUT, KILLED_AT = 4 * SEND_CHUNK, 2 * SEND_CHUNK + SEND_CHUNK // 2
KILL_MOMENTS = [
    "in the middle of talking to the mail server",
    "with the whole message written and the sent record not yet committed",
    "with the message finished and recorded as sent",
]


@pytest.mark.parametrize("moment", KILL_MOMENTS)
def test_killing_a_worker_mid_fan_out_loses_nothing_and_sends_nothing_twice(workers, sink, moment):
    collaborative, memberships = make_members(FAN_OUT)
    target = memberships[KILLED_AT].user
    at_data = sink.handler.hold(target.email, "data")
    # A short visibility timeout: Redis gives the killed worker's task to the next one in seconds.
    first = workers(CELERY_VISIBILITY_TIMEOUT="4")
    fan_out(collaborative, memberships)
    wait_until(at_data.reached.is_set, seconds=120, what=f"the worker to reach member {KILLED_AT}")
    outbox = Message.objects.filter(recipient=target)

    if moment == KILL_MOMENTS[0]:
        kill(first)
        at_data.release.set()
    elif moment == KILL_MOMENTS[1]:
        # The worker writes the message, then waits to record it: our lock holds it there.
        with transaction.atomic():
            list(outbox.select_for_update())
            at_data.release.set()
            wait_until(lambda: lock_waiters() > 0, seconds=30, what="the worker to wait to record the message")
            kill(first)
    else:
        at_end = sink.handler.hold(target.email, "end")
        at_data.release.set()
        wait_until(at_end.reached.is_set, seconds=30, what="the final line of the message")
        wait_until(lambda: outbox.get().status == Message.Status.SENT, seconds=30, what="the sent record")
        kill(first)
        at_end.release.set()

    assert sink.count() < FAN_OUT, "the worker finished before it could be killed"
    workers(CELERY_VISIBILITY_TIMEOUT="4")
    wait_until(all_sent(FAN_OUT), seconds=180, what="the new worker to finish the fan-out")
    assert_exactly_once(sink, memberships)
    assert set(Message.objects.values_list("attempts", flat=True)) == {1}


def test_two_scans_at_once_do_not_send_anything_twice(workers, sink):
    collaborative, memberships = make_members(600)
    due = timezone.now() + timedelta(minutes=5)
    fan_out(collaborative, memberships, due_at=due)  # Not due yet: nothing is sent on commit.
    workers()

    claimed = []
    barrier = threading.Barrier(2)

    def scan() -> None:
        try:
            barrier.wait()
            claimed.append(messages_dispatch(hand_out=send_messages_task.delay, now=due))
        finally:
            connection.close()

    scans = [threading.Thread(target=scan) for _ in range(2)]
    for thread in scans:
        thread.start()
    for thread in scans:
        thread.join()
    assert sum(claimed) == 600
    wait_until(all_sent(600), seconds=120, what="600 messages to be sent")
    assert_exactly_once(sink, memberships)


def test_a_refused_address_fails_for_good_and_a_refusal_for_now_is_retried(workers, sink):
    collaborative, memberships = make_members(5)
    rejected, flaky = memberships[1].user, memberships[3].user
    User.objects.filter(pk=rejected.pk).update(email="reject-me@example.org")
    sink.handler.flaky[flaky.email] = 2  # Refused twice (451), then accepted.
    workers(NOTIFICATION_RETRY_BASE="0.5")
    fan_out(collaborative, [m for m in memberships])

    wait_until(
        lambda: not Message.objects.filter(status__in=["pending", "sending"]).exists(),
        seconds=60,
        what="every message to be settled",
    )
    failed = Message.objects.get(recipient=rejected)
    assert failed.status == Message.Status.FAILED
    assert "550" in failed.last_error
    assert failed.attempts == 1
    retried = Message.objects.get(recipient=flaky)
    assert retried.status == Message.Status.SENT
    assert retried.attempts == 3
    time.sleep(1)
    received = sink.per_recipient()
    assert received[flaky.email] == 1
    assert "reject-me@example.org" not in received
    assert sum(received.values()) == 4
