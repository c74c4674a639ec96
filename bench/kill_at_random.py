"""Kill a worker with SIGKILL at a moment chosen by nobody, many times: run by bench/kill_repeat.sh.

The tests kill a worker at each moment of sending one message that matters, and check
0 lost and 0 sent twice at each. What they cannot do is land a kill in the gap between
the final "." to the mail server and the COMMIT to the database (notifications/mailer.py):
a kill there sends one message twice. This measures how often a kill at a random moment
lands there, on a loaded machine or a quiet one.
"""

import signal

import pytest

from tests.notifications.test_delivery_worker import (  # noqa: F401 (fixtures)
    all_sent,
    assert_exactly_once,
    fan_out,
    make_members,
    services,
    sink,
    wait_until,
    workers,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_kill_at_a_random_moment(workers, sink):  # noqa: F811 (the fixtures imported above)
    collaborative, memberships = make_members(1000)
    first = workers(CELERY_VISIBILITY_TIMEOUT="4")
    fan_out(collaborative, memberships)
    wait_until(lambda: sink.count() >= 300, seconds=120, what="the fan-out to get going")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert sink.count() < 1000, "the worker finished before it could be killed"

    workers(CELERY_VISIBILITY_TIMEOUT="4")
    wait_until(all_sent(1000), seconds=180, what="the new worker to finish the fan-out")
    twice = [address for address, times in sink.per_recipient().items() if times > 1]
    # A copy sent twice carries the same Message-ID, so mail programs show it once.
    for address in twice:
        ids = {message["Message-ID"] for message in sink.received if message["X-Envelope-To"] == address}
        assert len(ids) == 1, f"{address} got two different emails: {ids}"
    assert twice == [], f"sent twice, with the same Message-ID: {twice}"
    assert_exactly_once(sink, memberships)
