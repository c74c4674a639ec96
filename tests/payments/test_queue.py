"""The payments contact's queue: what waits, oldest first, with those waiting more than 20 working days flagged;
approving, refusing, correcting and marking paid, each kept in the line's history. Nothing is edited or deleted."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from collaborative.working_days import working_days_between
from members.models import Collaborative
from payments.models import Line, LineEvent
from payments.selectors import lines_waiting_too_long, payment_queue, waiting_cutoff
from tests.factories import MembershipFactory
from tests.meetings.test_register import flash, text
from tests.payments.claims import a_line, url

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
YESTERDAY = date.today() - timedelta(days=1)


def since(line: Line, day: date, at: time = time(23, 30)) -> Line:
    Line.objects.filter(pk=line.pk).update(created_at=datetime.combine(day, at, tzinfo=LONDON))
    line.refresh_from_db()
    return line


@pytest.fixture
def contact_client(client, contact):
    client.force_login(contact)
    return client


def test_the_working_day_clock_stops_for_christmas_and_new_year(collaborative, member, paying):
    """25 and 28 December 2026 and 1 January 2027 are bank holidays: a line waiting since 1 December has waited
    20 working days on 31 December and on New Year's Day, and more than 20 only on Monday 4 January."""
    line = since(a_line(collaborative, member), date(2026, 12, 1))  # 11.30pm: still the 1st in London.
    assert working_days_between(date(2026, 12, 1), date(2026, 12, 31)) == 20
    assert working_days_between(date(2026, 12, 1), date(2027, 1, 1)) == 20
    assert working_days_between(date(2026, 12, 1), date(2027, 1, 4)) == 21
    assert waiting_cutoff(date(2027, 1, 4)) == date(2026, 12, 1)
    assert list(lines_waiting_too_long(collaborative, date(2026, 12, 31))) == []
    assert list(lines_waiting_too_long(collaborative, date(2027, 1, 1))) == []
    assert list(lines_waiting_too_long(collaborative, date(2027, 1, 4))) == [line]
    # A day later, it has waited 20 working days on the 4th: not yet.
    later = since(a_line(collaborative, member), date(2026, 12, 2), time(0, 30))
    assert later not in lines_waiting_too_long(collaborative, date(2027, 1, 4))
    # Paid or refused lines wait for nothing.
    Line.objects.filter(pk=line.pk).update(status=Line.Status.REFUSED)
    assert lines_waiting_too_long(collaborative, date(2027, 1, 4)).count() == 0


def test_the_queue_flags_lines_waiting_too_long(contact_client, collaborative, member, paying, monkeypatch):
    monkeypatch.setattr(Collaborative, "local_today", lambda self, now=None: date(2027, 1, 4))
    since(a_line(collaborative, member, description="Old bus fare"), date(2026, 12, 1))
    since(a_line(collaborative, member, description="New train fare"), date(2026, 12, 2))

    page = text(contact_client.get(url("queue")))

    assert "1 line has waited more than 20 working days." in page
    assert page.count("Over 20 working days") == 1
    assert page.index("Old bus fare") < page.index("New train fare")  # Oldest first.
    assert "21 working days" in page
    assert "20 working days" in page


def test_the_queue_holds_what_waits_and_what_is_approved_but_not_paid(collaborative, member, paying):
    waiting = a_line(collaborative, member)
    approved = a_line(collaborative, member, status=Line.Status.APPROVED)
    a_line(collaborative, member, status=Line.Status.REFUSED)
    a_line(collaborative, member, status=Line.Status.NEEDS_CHOICE)
    assert set(payment_queue(collaborative)) == {waiting, approved}


def test_the_contact_approves_refuses_marks_paid_and_the_history_says_who(
    contact_client, contact, collaborative, member, paying
):
    first, second = a_line(collaborative, member, pence=1250), a_line(collaborative, member, pence=800)

    response = contact_client.post(url("line_approve", pk=first.pk), {"next": url("queue")})
    assert response.status_code == 302
    assert response.headers["Location"] == url("queue")
    assert "Approved: Bus to the meeting, £12.50." in flash(response)

    response = contact_client.post(url("line_refuse", pk=second.pk), {"reason": ""})
    assert response.status_code == 400
    assert "Say why it is not approved: the person will be told." in text(response)
    response = contact_client.post(url("line_refuse", pk=second.pk), {"reason": "The ticket is for another day."})
    assert response.status_code == 302

    since(first, YESTERDAY - timedelta(days=1), time(12))  # Paid after it was made, never before.
    response = contact_client.post(
        url("mark_paid"), {"lines": [first.pk], "paid_on": YESTERDAY.isoformat(), "reference": "BACS 0412"}
    )
    assert response.status_code == 302
    assert "1 line marked paid." in flash(response)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.paid_on, first.paid_reference) == ("paid", YESTERDAY, "BACS 0412")
    assert (first.amount_pence, second.amount_pence, second.status) == (1250, 800, "refused")
    assert [(e.what, e.by, e.note) for e in first.events.all()] == [
        (LineEvent.What.CREATED, member, ""),
        (LineEvent.What.APPROVED, contact, ""),
        (LineEvent.What.PAID, contact, "BACS 0412"),
    ]
    assert second.events.last().note == "The ticket is for another day."
    page = text(contact_client.get(url("line", pk=first.pk)))
    assert "Marked paid" in page
    assert "BACS 0412" in page
    # Approving twice is refused plainly, and changes nothing.
    response = contact_client.post(url("line_approve", pk=first.pk))
    assert "Only a line waiting for approval can be approved." in flash(response)


def test_marking_paid_needs_approved_lines_a_day_and_a_reference(contact_client, collaborative, member, paying):
    waiting = a_line(collaborative, member)
    approved = a_line(collaborative, member, status=Line.Status.APPROVED)

    response = contact_client.post(url("mark_paid"), {"lines": [approved.pk], "paid_on": YESTERDAY.isoformat()})
    assert response.status_code == 400
    assert "Payment reference: This field is required." in text(response)
    response = contact_client.post(url("mark_paid"), {"paid_on": YESTERDAY.isoformat(), "reference": "x"})
    assert "Tick the approved lines that have been paid." in text(response)
    response = contact_client.post(
        url("mark_paid"), {"lines": [waiting.pk], "paid_on": YESTERDAY.isoformat(), "reference": "x"}
    )
    assert response.status_code == 400
    assert "Only approved lines can be marked paid." in text(response)
    tomorrow = (collaborative.local_today() + timedelta(days=1)).isoformat()
    response = contact_client.post(url("mark_paid"), {"lines": [approved.pk], "paid_on": tomorrow, "reference": "x"})
    assert "Give the day it was paid: today or before." in text(response)
    assert not Line.objects.filter(status=Line.Status.PAID).exists()


def test_approving_in_place_with_htmx(contact_client, collaborative, member, paying):
    line = a_line(collaborative, member)
    response = contact_client.post(url("line_approve", pk=line.pk), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert f'id="line-{line.pk}"' in page
    assert "Approved, to be paid" in page
    assert f'name="lines" value="{line.pk}"' in page  # Ready to be ticked as paid.


def test_a_correction_is_a_reversal_and_a_new_line_nothing_rubbed_out(
    contact_client, contact, collaborative, member, paying
):
    line = a_line(collaborative, member, pence=3000, status=Line.Status.PAID, paid_on=date(2026, 12, 1))
    assert contact_client.get(url("line_correct", pk=line.pk)).status_code == 200

    response = contact_client.post(url("line_correct", pk=line.pk), {"reason": "", "amount": "twelve"})
    assert response.status_code == 400
    assert "Say why the line is corrected." in text(response)
    assert Line.objects.count() == 1

    response = contact_client.post(url("line_correct", pk=line.pk), {"reason": "Fare was £25", "amount": "25"})
    assert response.status_code == 302
    reversal, new = Line.objects.exclude(pk=line.pk).order_by("pk")
    line.refresh_from_db()
    assert (line.amount_pence, line.status, line.corrected) == (3000, "paid", True)
    assert (reversal.amount_pence, reversal.reverses, reversal.status) == (-3000, line, "approved")
    assert (new.amount_pence, new.status, new.reverses) == (2500, "approved", None)
    assert [e.what for e in new.events.all()] == [LineEvent.What.CREATED, LineEvent.What.APPROVED]
    assert line.events.last().what == LineEvent.What.REVERSED
    assert line.events.last().by == contact
    # Corrected once only; and nothing is ever deleted.
    response = contact_client.post(url("line_correct", pk=line.pk), {"reason": "Again"})
    assert response.status_code == 400
    assert "This line has been corrected already." in text(response)
    with pytest.raises(ValidationError):
        line.delete()
    with pytest.raises(ValidationError):
        line.events.first().delete()


def test_who_may_act_on_the_queue(client, people, contact, collaborative, paying):
    member = people["member"]
    own = a_line(collaborative, member)
    other = a_line(collaborative, MembershipFactory(collaborative=collaborative).user)

    client.force_login(member)
    assert client.get(url("queue")).status_code == 403
    assert client.post(url("line_approve", pk=own.pk)).status_code == 403  # Their own: not theirs to approve.
    assert client.post(url("line_approve", pk=other.pk)).status_code == 404  # Another's: not there at all.
    assert client.post(url("line_refuse", pk=other.pk), {"reason": "x"}).status_code == 404
    assert client.get(url("line", pk=other.pk)).status_code == 404
    assert client.get(url("line", pk=own.pk)).status_code == 200
    assert client.get(url("export_csv")).status_code == 403
    # Facilitators see what waits, and act on none of it.
    client.force_login(people["facilitator"])
    page = text(client.get(url("queue")))
    assert "Only the payments contact approves and pays." in page
    assert "Approve" not in page
    assert "Mark paid" not in page
    assert client.post(url("line_approve", pk=own.pk)).status_code == 403
    assert client.post(url("mark_paid"), {}).status_code == 400  # The payments contact's own lines only.
    assert client.get(url("export_csv")).status_code == 403
    # The commissioner sees totals elsewhere, never a person's line.
    client.force_login(people["commissioner"])
    assert client.get(url("queue")).status_code == 403
    assert client.get(url("line", pk=own.pk)).status_code == 404
    own.refresh_from_db()
    assert own.status == Line.Status.WAITING


def test_the_payments_contact_needs_two_step_sign_in_this_session(client, contact, collaborative, paying):
    client.force_login(contact, two_step=False)
    response = client.get(url("queue"))
    assert response.status_code == 302
    assert "two-step" in response.headers["Location"] or "two_step" in response.headers["Location"]
    client.force_login(contact)
    assert client.get(url("queue")).status_code == 200
    assert client.get(url("export_csv")).status_code == 200
    assert client.get(url("activity_add")).status_code == 403  # Facilitators add activities.


@pytest.mark.parametrize("rows", [2, 50])
def test_the_queue_takes_the_same_queries_however_long(
    contact_client, collaborative, member, paying, rows, django_assert_num_queries
):
    for number in range(rows):
        a_line(collaborative, member, status=Line.Status.APPROVED if number % 2 else Line.Status.WAITING)
    contact_client.get(url("queue"))  # Sessions and the like, read once.
    with django_assert_num_queries(QUEUE_QUERIES):
        response = contact_client.get(url("queue"))
    assert response.status_code == 200


# One more since issue 18: the count of what is new beside "Discussions" in the navigation.
QUEUE_QUERIES = 8


def test_the_queue_is_paged(contact_client, collaborative, member, paying):
    for _ in range(55):
        a_line(collaborative, member)
    page = text(contact_client.get(url("queue")))
    assert page.count('<tr id="line-') == 50
    assert "Page 1 of 2" in page


def test_counting_the_lines_waiting_too_long_is_one_query(collaborative, member, paying, django_assert_num_queries):
    for day in (date(2026, 11, 2), date(2026, 11, 3), date(2026, 12, 20)):
        since(a_line(collaborative, member), day)
    with django_assert_num_queries(1):
        assert lines_waiting_too_long(collaborative, date(2027, 1, 4)).count() == 2
