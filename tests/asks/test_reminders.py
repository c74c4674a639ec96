"""Reminders to the responder 5 working days before the due date and on it, and the overdue notice to the
facilitators: beat's scan, across Christmas and the New Year's bank holidays, each once however often it runs."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection

from asks.emails import ASK_OVERDUE, ASK_REMINDER
from asks.models import AskEvent
from asks.services import clock_emails_queue
from asks.tasks import queue_clock_emails_task
from collaborative.working_days import add_working_days
from members.models import Collaborative, Membership
from notifications.models import Message
from tests.conftest import require_services
from tests.factories import MembershipFactory, ask_sent_for_test
from tests.notifications.test_delivery_worker import wait_until
from tests.smtp_sink import SMTPSink
from tests.workers import start_worker, stop_worker


def at(collaborative, day: date, hour: int = 9, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=collaborative.zone)


def reminders() -> list[str]:
    return list(Message.objects.filter(kind=ASK_REMINDER.key).order_by("pk").values_list("occasion", flat=True))


@pytest.mark.django_db
def test_reminders_5_working_days_before_and_on_the_day_across_the_bank_holidays(collaborative, facilitator):
    # Sent on Wednesday 2 December 2026: 20 working days, less Christmas Day and Boxing Day's substitute on
    # Monday 28th, and New Year's Day, make it due on Monday 4 January 2027.
    ask, _ = ask_sent_for_test(collaborative, by=facilitator, today=date(2026, 12, 2))
    sending = ask.sendings.get()
    assert sending.due_on == date(2027, 1, 4)

    # 5 working days before: 31, 30, 29 December, then (over the 28th, 25th) the 24th and the 23rd.
    assert clock_emails_queue(now=at(collaborative, date(2026, 12, 22))) == 0
    assert clock_emails_queue(now=at(collaborative, date(2026, 12, 23), 8, 30)) == 0  # Before 9am.
    assert clock_emails_queue(now=at(collaborative, date(2026, 12, 23))) == 1
    assert clock_emails_queue(now=at(collaborative, date(2026, 12, 23), 9, 45)) == 0
    assert clock_emails_queue(now=at(collaborative, date(2026, 12, 31))) == 0
    assert reminders() == [f"reminder-{sending.pk}-before-2027-01-04"]

    assert clock_emails_queue(now=at(collaborative, date(2027, 1, 4))) == 1
    assert clock_emails_queue(now=at(collaborative, date(2027, 1, 4), 15)) == 0
    assert reminders()[1:] == [f"reminder-{sending.pk}-due-2027-01-04"]
    message = Message.objects.filter(kind=ASK_REMINDER.key).last()
    assert (message.to_address, message.about) == (ask.responder_email, sending)
    assert ask.events.filter(what=AskEvent.What.REMINDED).count() == 2

    # The day after: the facilitators hear it is overdue, once; the responder hears nothing more.
    assert clock_emails_queue(now=at(collaborative, date(2027, 1, 5))) == 1
    assert clock_emails_queue(now=at(collaborative, date(2027, 1, 6))) == 0
    overdue = Message.objects.get(kind=ASK_OVERDUE.key)
    assert (overdue.recipient, overdue.occasion) == (facilitator, f"overdue-{sending.pk}-2027-01-04")
    assert len(reminders()) == 2


@pytest.mark.django_db
def test_a_moved_due_date_gets_its_own_reminders(collaborative, facilitator):
    ask, _ = ask_sent_for_test(collaborative, by=facilitator, today=date(2026, 12, 2))
    clock_emails_queue(now=at(collaborative, date(2026, 12, 23)))
    sending = ask.sendings.get()
    sending.due_on = date(2027, 1, 18)
    sending.save()
    ask.due_on = sending.due_on
    ask.save()
    assert clock_emails_queue(now=at(collaborative, date(2027, 1, 4))) == 0
    assert clock_emails_queue(now=at(collaborative, date(2027, 1, 11))) == 1
    assert reminders()[-1] == f"reminder-{sending.pk}-before-2027-01-18"


# Through the outbox, for real: beat's task through Redis to a Celery worker, which scans, queues and sends.


@pytest.fixture
def sink():
    require_services()
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: set DATABASE_URL=postgres://... (see README, Tests).")
    with SMTPSink() as sink:
        yield sink


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_the_reminder_to_the_responder_once(settings, sink):
    collaborative = Collaborative.objects.create(name="Lambeth Living Well Collaborative", slug="lambeth")
    facilitator = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    # A morning already past (the outbox sends only what is due), with the answer due 2 working days later.
    local = collaborative.local_now()
    day = local.date() if local.time() >= time(9, 30) else local.date() - timedelta(days=1)
    morning = at(collaborative, day)
    due_on = add_working_days(day, 2)
    ask, _ = ask_sent_for_test(collaborative, by=facilitator, today=add_working_days(due_on, -20))
    assert ask.due_on == due_on
    # The email with the ask itself went when it was sent: only the reminder is this test's.
    Message.objects.all().delete()

    worker = start_worker(settings, EMAIL_URL=sink.url)
    try:
        # Twice, as beat would every quarter of an hour: the solo worker runs both scans before the sending.
        queue_clock_emails_task.delay(morning.isoformat())
        queue_clock_emails_task.delay((morning + timedelta(minutes=15)).isoformat())
        wait_until(
            lambda: Message.objects.filter(kind=ASK_REMINDER.key, status=Message.Status.SENT).count() == 1,
            seconds=60,
            what="the reminder sent",
        )
    finally:
        stop_worker(worker)

    assert Message.objects.filter(kind=ASK_REMINDER.key).count() == 1
    assert sink.per_recipient() == {ask.responder_email: 1}
    email = sink.received[0]
    assert " ".join(email["Subject"].split()) == (
        f"Your answer is due on {due_on:%A %-d %B}: {ask.title} (Lambeth Living Well Collaborative)"
    )
