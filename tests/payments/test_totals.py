"""The commissioners' totals: what a Collaborative spent on involvement and on expenses this financial year
and the last, the hours of lived-experience involvement, and how many people were paid, never who."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from payments.models import Line
from payments.statements import financial_year_start, totals_for
from tests.factories import MeetingFactory, MembershipFactory
from tests.payments.helpers import make_line, reverse_line

pytestmark = pytest.mark.django_db


def test_the_financial_year_runs_april_to_march():
    assert financial_year_start(date(2026, 3, 31)) == date(2025, 4, 1)
    assert financial_year_start(date(2026, 4, 1)) == date(2026, 4, 1)


@pytest.fixture
def spending(collaborative, other_collaborative, member, facilitator) -> dict:
    """This year: a meeting of 2 hours 30 minutes that two people came to (one of them corrected away), an
    interview panel of 3 hours, half a day and a whole day, fares; last year: one meeting and fares; a line
    waiting and one refused, which do not count; and Luton's spending, which is not Lambeth's."""
    today = collaborative.local_today()
    this_year = financial_year_start(today) + timedelta(days=10)
    last_year = financial_year_start(financial_year_start(today) - timedelta(days=1)) + timedelta(days=10)
    starts = datetime.combine(this_year, time(10), tzinfo=collaborative.zone)
    meeting = MeetingFactory(collaborative=collaborative, starts_at=starts, ends_at=starts + timedelta(hours=2.5))
    other = MembershipFactory(collaborative=collaborative).user
    by = facilitator
    make_line(collaborative, member, this_year, 3000, meeting=meeting, status=Line.Status.PAID, by=by)
    make_line(collaborative, other, this_year, 3000, meeting=meeting, by=by)
    corrected = make_line(collaborative, facilitator, this_year, 3000, meeting=meeting, by=by)
    reverse_line(corrected, by=by)
    make_line(collaborative, member, this_year, 4500, activity="hour", quantity=Decimal(3), by=by)
    make_line(collaborative, other, this_year, 5000, activity="half_day", by=by)
    make_line(collaborative, other, this_year, 9000, activity="day", by=by)
    make_line(collaborative, member, this_year, 480, kind=Line.Kind.EXPENSE, by=by)
    make_line(collaborative, member, this_year, 1000, status=Line.Status.WAITING)
    make_line(collaborative, member, this_year, 1000, status=Line.Status.REFUSED, by=by)
    make_line(collaborative, member, last_year, 3000, activity="online", by=by)  # No meeting: length unknown.
    make_line(collaborative, member, last_year, 250, kind=Line.Kind.EXPENSE, by=by)
    luton = MembershipFactory(collaborative=other_collaborative).user
    make_line(other_collaborative, luton, this_year, 7777, by=by)
    return {"member": member, "other": other}


def test_this_year_and_last(collaborative, spending):
    this, last = totals_for(collaborative, collaborative.local_today())
    assert (this.time_pence, this.expenses_pence) == (3000 + 3000 + 4500 + 5000 + 9000, 480)
    # 2.5 hours each for two people at the meeting (the third corrected away), 3 by the hour, 3.5 and 7.
    assert this.hours == Decimal("5") + 3 + Decimal("3.5") + 7
    assert this.hours_label == "18.5"
    assert this.unknown_length == 0
    assert this.people == "fewer than 3"  # Two people: the small-number rule.
    assert (last.time_pence, last.expenses_pence, last.hours, last.unknown_length) == (3000, 250, 0, 1)
    assert last.people == "fewer than 3"
    assert this.label.startswith("This financial year, 1 April")
    assert last.label.startswith("Last financial year, 1 April")


def test_three_people_paid_are_counted(collaborative, facilitator, spending):
    this_year = financial_year_start(collaborative.local_today()) + timedelta(days=20)
    make_line(collaborative, MembershipFactory(collaborative=collaborative).user, this_year, 3000, by=facilitator)
    this, _ = totals_for(collaborative, collaborative.local_today())
    assert this.people == "3"


def test_nobody_paid(collaborative):
    this, _ = totals_for(collaborative, collaborative.local_today())
    assert (this.time_pence, this.hours_label, this.people) == (0, "0", "none")


def test_the_page_names_nobody(client, collaborative, people, spending):
    client.force_login(people["commissioner"])
    response = client.get(reverse("payments:totals", kwargs={"slug": collaborative.slug}))
    assert response.status_code == 200
    text = response.text
    assert "£245.00" in text  # This year on involvement.
    assert "£4.80" in text
    assert "18.5 hours" in text
    assert "half a day as 3.5 hours and a whole day as 7 hours" in text
    assert "fewer than 3" in text
    assert "(and 1 activity of unknown length, not counted in hours)" in text
    for person in (spending["member"], spending["other"], people["facilitator"]):
        assert escape(person.display_name) not in text
    assert "£77.77" not in text  # Luton's.


def test_who_sees_the_totals(client, collaborative, people):
    address = reverse("payments:totals", kwargs={"slug": collaborative.slug})
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    for person, status in (
        (people["commissioner"], 200),
        (people["facilitator"], 200),
        (contact, 200),
        (people["member"], 403),
        (people["outsider"], 404),
    ):
        client.force_login(person)
        assert client.get(address).status_code == status, person


def test_commissioners_see_totals_only_never_a_person(client, collaborative, people, spending):
    client.force_login(people["commissioner"])
    member = spending["member"]
    for name in ("payments:person", "payments:statement", "payments:statement_csv", "payments:statement_pdf"):
        address = reverse(name, kwargs={"slug": collaborative.slug, "user_pk": member.pk})
        assert client.get(address).status_code == 404, name
    assert client.get(reverse("payments:letters", kwargs={"slug": collaborative.slug})).status_code == 403
