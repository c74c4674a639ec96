"""Reminders for real: beat's task sent through Redis to a Celery worker, which scans, sends
each reminder with its calendar file to an SMTP server, and sends none twice."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from meetings.emails import MEETING_REMINDER
from meetings.models import Meeting, Rsvp, Venue
from meetings.services import rsvp_set
from meetings.tasks import queue_reminders_task
from members.models import Collaborative, Membership, User
from notifications.models import Message
from tests.conftest import require_services
from tests.notifications.test_delivery_worker import wait_until
from tests.smtp_sink import SMTPSink
from tests.workers import start_worker, stop_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sink():
    require_services()
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: set DATABASE_URL=postgres://... (see README, Tests).")
    with SMTPSink() as sink:
        yield sink


def test_a_worker_sends_the_reminders_that_are_due_once_each_with_the_calendar_file(settings, sink):
    collaborative = Collaborative.objects.create(name="Lambeth Living Well Collaborative", slug="lambeth")
    users = User.objects.bulk_create(User(email=f"member{n}@example.org", display_name=f"M {n}") for n in range(20))
    Membership.objects.bulk_create(Membership(user=user, collaborative=collaborative) for user in users)
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe on the Green", address="1 High Street")
    # Starts in a day less five minutes: the "one day before" reminder is due now.
    start = timezone.now() + timedelta(days=1) - timedelta(minutes=5)
    meeting = Meeting.objects.create(
        collaborative=collaborative, starts_at=start, ends_at=start + timedelta(hours=2), venue=venue
    )
    rsvp_set(meeting=meeting, user=users[0], answer=Rsvp.Answer.NOT_COMING)

    worker = start_worker(settings, EMAIL_URL=sink.url)
    try:
        # What beat does every minute; twice, as beat would, to show nothing goes twice.
        queue_reminders_task.delay()
        queue_reminders_task.delay()
        wait_until(
            lambda: Message.objects.filter(kind=MEETING_REMINDER.key, status=Message.Status.SENT).count() == 19,
            seconds=60,
            what="19 reminders sent",
        )
    finally:
        stop_worker(worker)

    assert sink.count() == 19
    assert set(sink.per_recipient().values()) == {1}
    assert users[0].email not in sink.per_recipient(), "Someone who said they can't come is not reminded."
    email = sink.received[0]
    assert email["Subject"].startswith("Reminder: meeting on ")
    # A long header is folded over lines on the wire.
    assert " ".join(email["Subject"].split()).endswith(" (Lambeth Living Well Collaborative)")
    (attachment,) = [part for part in email.walk() if part.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["uid"]).startswith(f"meeting-{meeting.pk}@")
