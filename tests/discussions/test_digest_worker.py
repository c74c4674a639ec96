"""The digest goes exactly once (issue 18): beat's scan run twice at the same moment, with a real worker sending
through a real SMTP server, makes one digest that gathers each held message once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from meetings.emails import AGENDA_PUBLISHED, stamp
from members.emails import DIGEST
from members.models import Collaborative, Membership, User
from notifications.digest import digests_gather
from notifications.models import Message
from notifications.tasks import dispatch_messages_task
from tests.conftest import require_services
from tests.factories import MeetingFactory
from tests.notifications.test_delivery_worker import wait_until
from tests.smtp_sink import SMTPSink
from tests.workers import start_worker, stop_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sink():
    require_services()
    if connection.vendor != "postgresql":
        pytest.fail("Needs PostgreSQL: set DATABASE_URL=postgres://... (see README, Tests).")
    with SMTPSink() as sink:
        yield sink


def test_two_scans_at_once_make_one_digest_sent_once(settings, sink):
    collaborative = Collaborative.objects.create(name="Lambeth Living Well Collaborative", slug="lambeth", area="x")
    person = User.objects.create(email="sam@example.org", display_name="Sam")
    Membership.objects.create(user=person, collaborative=collaborative)
    now = timezone.now()
    titles = []
    for n in range(3):
        meeting = MeetingFactory(collaborative=collaborative, title=f"Meeting number {n}", agenda_published_at=now)
        titles.append(f"Meeting number {n}")
        Message.objects.create(
            recipient=person,
            collaborative=collaborative,
            kind=AGENDA_PUBLISHED.key,
            about=meeting,
            occasion=f"agenda-{stamp(meeting.agenda_published_at)}",
            due_at=now - timedelta(days=2, minutes=10 * n),
            status=Message.Status.HELD,
        )
    worker = start_worker(settings, EMAIL_URL=sink.url)
    try:
        made = []
        barrier = threading.Barrier(2)

        def scan():
            barrier.wait()
            try:
                made.append(digests_gather(dispatch=dispatch_messages_task.delay))
            finally:
                connection.close()

        scans = [threading.Thread(target=scan) for _ in range(2)]
        for each in scans:
            each.start()
        for each in scans:
            each.join()
        assert sorted(made) == [0, 1]
        made.append(digests_gather(dispatch=dispatch_messages_task.delay))  # And once more, afterwards.
        assert made[-1] == 0
        digest = Message.objects.get(kind=DIGEST.key)
        wait_until(lambda: Message.objects.filter(pk=digest.pk, status="sent").exists(), seconds=60, what="the digest")
        wait_until(lambda: sink.count() >= 1, seconds=10, what="the email")
    finally:
        stop_worker(worker)
    assert sink.count() == 1
    email = sink.received[0]
    assert email["To"] == "sam@example.org"
    plain = next(part for part in email.walk() if part.get_content_type() == "text/plain")
    body = plain.get_payload(decode=True).decode()
    # Newest first: meeting 0's agenda was held last.
    assert [body.index(title) for title in titles] == sorted(body.index(title) for title in titles)
    assert "Mark all as read" in body
    assert Message.objects.filter(digest=digest).count() == 3
    assert not Message.objects.filter(status=Message.Status.HELD, digest__isnull=True).exists()
