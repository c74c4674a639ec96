"""The payments contacts' weekly list for real: beat's task sent through Redis to a Celery worker, which
scans, queues and sends the list to each payments contact once, however often the scan runs."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from members.models import Collaborative, Membership
from notifications.models import Message
from payments.emails import PAYMENTS_WAITING
from payments.models import Line
from payments.services import line_add
from payments.tasks import queue_waiting_lists_task
from tests.conftest import require_services
from tests.factories import MembershipFactory, PaymentSettingsFactory
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


def test_a_worker_sends_the_weekly_list_to_each_payments_contact_once(settings, sink):
    # The list goes from 9:30 on Monday: early on a Monday in London, the Collaborative's clocks are where this
    # Monday morning has passed already, so that the list is due now and last week's is not the one sent.
    london = timezone.localtime(timezone.now(), ZoneInfo("Europe/London"))
    early_monday = london.weekday() == 0 and london.time() < time(9, 30)
    collaborative = Collaborative.objects.create(
        name="Lambeth Living Well Collaborative",
        slug="lambeth",
        time_zone="Pacific/Kiritimati" if early_monday else "Europe/London",
    )
    PaymentSettingsFactory(collaborative=collaborative)
    contacts = [MembershipFactory(collaborative=collaborative, handles_payments=True).user for _ in range(2)]
    member = MembershipFactory(collaborative=collaborative, role=Membership.Role.MEMBER).user
    line_add(
        by=member,
        collaborative=collaborative,
        user=member,
        kind=Line.Kind.EXPENSE,
        expense_type="public_transport",
        description="Bus fare",
        activity_on=timezone.localdate(),
        unit_pence=450,
        amount_pence=450,
    )
    # This week's Monday morning, London time: what the scan is run as of (beat gives now).
    today = collaborative.local_today()
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(9, 30), tzinfo=collaborative.zone)

    worker = start_worker(settings, EMAIL_URL=sink.url)
    try:
        # Twice, as beat would every quarter of an hour, to show nothing goes twice. The solo worker runs
        # both scans before the sending they lead to, so once the lists are sent both scans have run.
        queue_waiting_lists_task.delay(monday.isoformat())
        queue_waiting_lists_task.delay((monday + timedelta(minutes=15)).isoformat())
        wait_until(
            lambda: Message.objects.filter(kind=PAYMENTS_WAITING.key, status=Message.Status.SENT).count() == 2,
            seconds=60,
            what="2 weekly lists sent",
        )
    finally:
        stop_worker(worker)

    assert Message.objects.filter(kind=PAYMENTS_WAITING.key).count() == 2
    assert sink.count() == 2
    assert sink.per_recipient() == {contact.email: 1 for contact in contacts}
    email = sink.received[0]
    assert " ".join(email["Subject"].split()) == (
        "Payments waiting: 1 to approve, 0 to pay (Lambeth Living Well Collaborative)"
    )
