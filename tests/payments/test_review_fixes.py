"""What a review of the payments found, each kept fixed: nobody acts on their own money, amounts are plain
pounds only, a ticket is booked (never paid to the person), a first choice settles lines of days before it,
expenses are paid by the settings of their day, days are checked, and totals are per payee and method."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings.services import register_mark
from members.models import Membership, MembershipChange
from members.services import (
    membership_admin_save,
    membership_change_role,
    membership_deactivate,
    membership_reactivate,
    membership_set_payments,
)
from notifications.delivery import message_render
from notifications.models import Message
from payments.emails import PAYMENT_PAID
from payments.forms import claimable_meetings
from payments.models import Activity, Choice, ExpenseType, Line, LineEvent
from payments.money import pence_from_pounds
from payments.services import (
    activity_add,
    choice_make,
    claim_make,
    line_add,
    line_approve,
    line_correct,
    line_refuse,
    lines_mark_paid,
)
from tests.factories import MeetingFactory, MembershipFactory, PaymentChoiceFactory, PaymentSettingsFactory
from tests.meetings.test_register import flash, text
from tests.payments.claims import a_line, pdf, url
from tests.payments.test_claims import claim_data

pytestmark = pytest.mark.django_db

OWN = "Someone else approves your own payments"


@pytest.fixture
def contact_paid(collaborative, contact):
    """The payments contact chose to be paid in full, like anyone."""
    PaymentChoiceFactory(collaborative=collaborative, user=contact)
    return contact


# 1. Separation of duties


def test_the_payments_contact_cannot_act_on_their_own_lines(client, collaborative, contact_paid, paying):
    contact = contact_paid
    own = a_line(collaborative, contact, description="My own bus fare")
    approved = a_line(collaborative, contact, status=Line.Status.APPROVED, description="My own train fare")
    client.force_login(contact)

    response = client.post(url("line_approve", pk=own.pk))
    assert response.status_code == 403
    assert client.post(url("line_refuse", pk=own.pk), {"reason": "x"}).status_code == 403
    assert client.post(url("line_correct", pk=approved.pk), {"reason": "x", "amount": "1"}).status_code == 403
    response = client.post(url("mark_paid"), {"lines": [approved.pk], "paid_on": "", "reference": "BACS"})
    assert response.status_code == 400
    own.refresh_from_db()
    approved.refresh_from_db()
    assert (own.status, approved.status) == (Line.Status.WAITING, Line.Status.APPROVED)
    # The pages say so, and offer no button on their own lines.
    page = text(client.get(url("line", pk=own.pk)))
    assert f"{OWN}." in page
    assert "Approve £" not in page
    queue = text(client.get(url("queue")))
    assert f"{OWN}." in queue
    assert "Approve: My own bus fare" not in queue
    assert f'value="{approved.pk}"' not in queue
    # The services hold the rule too.
    for act in (
        lambda: line_approve(line=own, by=contact),
        lambda: line_refuse(line=own, by=contact, reason="No"),
        lambda: line_correct(line=approved, by=contact, reason="No"),
        lambda: lines_mark_paid(lines=[approved], by=contact, paid_on=collaborative.local_today(), reference="x"),
    ):
        with pytest.raises(ValidationError, match=OWN):
            act()
    assert not own.events.exclude(what=LineEvent.What.CREATED).exists()


def test_a_facilitator_approves_and_pays_the_payments_contacts_own_lines_only(
    client, people, collaborative, contact_paid, paying
):
    contact, member, facilitator = contact_paid, people["member"], people["facilitator"]
    theirs = a_line(collaborative, contact, description="Contact's bus fare")
    members = a_line(collaborative, member, description="Member's bus fare")
    client.force_login(facilitator)

    queue = text(client.get(url("queue")))
    assert "Approve: Contact's bus fare" in queue
    assert "Approve: Member's bus fare" not in queue
    assert client.post(url("line_approve", pk=members.pk)).status_code == 403
    response = client.post(url("line_approve", pk=theirs.pk), {"next": url("queue")})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == Line.Status.APPROVED
    assert theirs.events.last().by == facilitator

    today = collaborative.local_today().isoformat()
    response = client.post(url("mark_paid"), {"lines": [theirs.pk], "paid_on": today, "reference": "BACS 1"})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == Line.Status.PAID
    # Another member's lines stay the payments contact's to pay.
    Line.objects.filter(pk=members.pk).update(status=Line.Status.APPROVED)
    response = client.post(url("mark_paid"), {"lines": [members.pk], "paid_on": today, "reference": "BACS 1"})
    assert response.status_code == 400
    # Nor does a facilitator act on their own.
    PaymentChoiceFactory(collaborative=collaborative, user=facilitator)
    own = a_line(collaborative, facilitator)
    assert client.post(url("line_approve", pk=own.pk)).status_code == 403


# 2. A commissioner is never the payments contact


def test_a_commissioner_cannot_be_made_the_payments_contact(people, facilitator):
    commissioner = Membership.objects.get(user=people["commissioner"], collaborative__slug="lambeth")
    with pytest.raises(ValidationError, match="Commissioners see totals only"):
        membership_set_payments(membership=commissioner, handles_payments=True, by=facilitator)
    commissioner.refresh_from_db()
    assert not commissioner.handles_payments

    member = Membership.objects.get(user=people["member"], collaborative__slug="lambeth")
    membership_set_payments(membership=member, handles_payments=True, by=facilitator)
    membership_change_role(membership=member, role=Membership.Role.COMMISSIONER, by=facilitator)
    member.refresh_from_db()
    assert not member.handles_payments
    assert member.changes.filter(field=MembershipChange.Field.PAYMENTS).order_by("pk").last().new_value == "no"


# 3. Amounts


@pytest.mark.parametrize("amount", ["1E+400000", "9" * 30, "1e3", "-5", "NaN", "Infinity", "12.345"])
def test_an_amount_that_is_not_plain_pounds_is_explained(member_client, collaborative, paying, amount):
    response = member_client.post(url("claim"), claim_data(collaborative, amount=amount))
    assert response.status_code == 400
    page = text(response)
    said = ("Give an amount in pounds", "to the penny", "more than £10,000", "at most 20 characters")
    assert any(words in page for words in said)
    assert not Line.objects.exists()
    # However it reaches the reading of pounds, only ever a ValidationError.
    with pytest.raises(ValidationError):
        pence_from_pounds(amount)


def test_plain_amounts_still_read(member_client, collaborative, paying):
    data = claim_data(collaborative, amount="£ 1,200.5", receipt=pdf())
    response = member_client.post(url("claim"), data)
    assert response.status_code == 302
    assert Line.objects.get().amount_pence == 120050


# 4. Tickets are booked, never paid to the person


def test_a_ticket_is_booked_with_a_note_and_leaves_the_queue(
    client, member_client, member, collaborative, paying, contact
):
    ahead = (collaborative.local_today() + timedelta(days=10)).isoformat()
    data = claim_data(collaborative, way="book", day=ahead, amount="35", description="Train to the board meeting")
    assert member_client.post(url("claim"), data).status_code == 302
    booking = Line.objects.get(kind=Line.Kind.BOOKING)
    client.force_login(contact)

    queue = text(client.get(url("queue")))
    assert "Approve: Train to the board meeting" not in queue
    assert "Book it" in queue
    with pytest.raises(ValidationError):
        line_approve(line=booking, by=contact)
    response = client.post(url("line_approve", pk=booking.pk), {"note": "", "reference": ""})
    assert response.status_code == 400
    assert "Say what was booked" in text(response)
    response = client.post(
        url("line_approve", pk=booking.pk), {"note": "Return train to Leeds, 9:05", "reference": "TRN-123"}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.paid_on, booking.paid_reference) == (
        Line.Status.PAID,
        collaborative.local_today(),
        "TRN-123",
    )
    assert booking.events.last().note == "Booked: Return train to Leeds, 9:05"
    assert f'id="line-{booking.pk}"' not in text(client.get(url("queue")))
    assert "Booked for you" in text(client.get(url("line", pk=booking.pk)))
    message = Message.objects.get(kind=PAYMENT_PAID.key, recipient=member)
    body = message_render(message).body
    assert "Your ticket has been booked: Return train to Leeds, 9:05" in body
    assert "reach your account" not in body


def test_an_approved_booking_is_not_in_what_finance_pays(client, collaborative, member, paying, contact):
    booking = line_add(
        by=member,
        collaborative=collaborative,
        user=member,
        kind=Line.Kind.BOOKING,
        expense_type=ExpenseType.PUBLIC_TRANSPORT,
        description="Coach ticket",
        activity_on=collaborative.local_today(),
        amount_pence=2500,
        status=Line.Status.APPROVED,
    )
    a_line(collaborative, member, status=Line.Status.APPROVED, description="Bus fare")
    client.force_login(contact)
    exported = client.get(url("export_csv")).content.decode("utf-8-sig")
    assert "Bus fare" in exported
    assert "Coach ticket" not in exported
    assert f'value="{booking.pk}"' not in text(client.get(url("queue")))
    today = collaborative.local_today().isoformat()
    response = client.post(url("mark_paid"), {"lines": [booking.pk], "paid_on": today, "reference": "x"})
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        lines_mark_paid(lines=[booking], by=contact, paid_on=collaborative.local_today(), reference="x")


# 5. A first choice made after the day settles the line


def test_a_first_choice_made_today_settles_an_activity_of_last_week(collaborative, member, facilitator):
    PaymentSettingsFactory(collaborative=collaborative)
    choice_make(collaborative=collaborative, user=member, by=member, choice=Choice.FULL, method="bank_transfer")
    last_week = collaborative.local_today() - timedelta(days=7)
    (line,) = activity_add(
        collaborative=collaborative,
        by=facilitator,
        users=[member],
        activity=Activity.MEETING,
        day=last_week,
        description="Interview panel",
    )
    assert (line.status, line.amount_pence, line.method) == (Line.Status.WAITING, 3000, "bank_transfer")


def test_the_register_marked_late_uses_the_first_choice(collaborative, member, facilitator):
    PaymentSettingsFactory(collaborative=collaborative)
    choice_make(
        collaborative=collaborative,
        user=member,
        by=member,
        choice=Choice.LOWER,
        lower_amount_pence=1000,
        method="bank_transfer",
    )
    starts = timezone.now() - timedelta(days=6)
    meeting = MeetingFactory(collaborative=collaborative, starts_at=starts, ends_at=starts + timedelta(hours=2))
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    line = Line.objects.get(meeting=meeting, user=member)
    assert (line.status, line.amount_pence) == (Line.Status.WAITING, 1000)


# 6. The settings of the expense's day


def test_mileage_and_what_is_paid_are_those_of_the_expense_day(collaborative, member):
    old = PaymentSettingsFactory(collaborative=collaborative, mileage_pence=45)
    old.expense_types = [ExpenseType.MILEAGE, ExpenseType.PUBLIC_TRANSPORT]
    old.save()
    PaymentSettingsFactory(
        collaborative=collaborative,
        mileage_pence=30,
        valid_from=collaborative.local_today(),
        expense_types=[ExpenseType.MILEAGE, ExpenseType.PUBLIC_TRANSPORT, ExpenseType.CARE_COVER],
    )
    PaymentChoiceFactory(collaborative=collaborative, user=member)
    day = collaborative.local_today() - timedelta(days=3)
    line = claim_make(
        collaborative=collaborative,
        user=member,
        day=day,
        expense_type=ExpenseType.MILEAGE,
        description="Drove to the meeting",
        miles=Decimal(10),
    )
    assert (line.unit_pence, line.amount_pence) == (45, 450)
    with pytest.raises(ValidationError, match="did not pay for this kind of expense"):
        claim_make(
            collaborative=collaborative,
            user=member,
            day=day,
            expense_type=ExpenseType.CARE_COVER,
            description="Cover",
            amount_pence=2000,
        )


def test_an_online_session_without_an_online_rate_is_paid_as_a_meeting(collaborative, member, facilitator):
    PaymentSettingsFactory(collaborative=collaborative, rate_online_pence=None)
    PaymentChoiceFactory(collaborative=collaborative, user=member)
    (line,) = activity_add(
        collaborative=collaborative,
        by=facilitator,
        users=[member],
        activity=Activity.ONLINE,
        day=collaborative.local_today(),
        description="Online panel",
    )
    assert line.amount_pence == 3000


# 7. Days checked


@pytest.mark.parametrize("days", [-400, -1, 91])
def test_a_ticket_is_booked_for_today_up_to_90_days_ahead(member_client, collaborative, paying, days):
    day = (collaborative.local_today() + timedelta(days=days)).isoformat()
    data = claim_data(collaborative, way="book", day=day, amount="35", description="Train")
    response = member_client.post(url("claim"), data)
    assert response.status_code == 400
    assert "A ticket is booked for a day from today up to 90 days ahead." in text(response)
    assert not Line.objects.exists()


def test_a_payment_is_never_dated_before_its_line_was_made(client, collaborative, member, paying, contact):
    line = a_line(collaborative, member, status=Line.Status.APPROVED)
    client.force_login(contact)
    response = client.post(url("mark_paid"), {"lines": [line.pk], "paid_on": "1900-01-01", "reference": "BACS"})
    assert response.status_code == 400
    assert "Give the day it was paid: not before" in text(response)
    line.refresh_from_db()
    assert line.status == Line.Status.APPROVED
    today = collaborative.local_today().isoformat()
    response = client.post(url("mark_paid"), {"lines": [line.pk], "paid_on": today, "reference": "BACS"})
    assert "1 line marked paid." in flash(response)


# 8. Totals per person, payee and method


def test_export_totals_are_per_payee_and_method(client, collaborative, member, paying, contact):
    member.display_name = "Ada Carer"
    member.save()
    a_line(collaborative, member, pence=1000, status=Line.Status.APPROVED, method="bank_transfer")
    a_line(collaborative, member, pence=500, status=Line.Status.APPROVED, method="bank_transfer")
    a_line(collaborative, member, pence=3000, status=Line.Status.APPROVED, payee="Mind in Lambeth", method="")
    client.force_login(contact)
    rows = list(csv.reader(io.StringIO(client.get(url("export_csv")).content.decode("utf-8-sig"))))
    totals = rows[rows.index(["Totals per person"]) + 2 :]
    assert sorted(totals) == sorted(
        [
            ["Ada Carer", member.email, "Ada Carer", "Bank transfer", "2", "15.00"],
            ["Ada Carer", member.email, "Mind in Lambeth", "", "1", "30.00"],
        ]
    )


# 9. Small things


def test_claimable_meetings_read_their_collaborative_at_once_and_the_receipt_offers_the_camera(
    member_client, collaborative, member, paying, django_assert_num_queries
):
    for days in (1, 2, 3):
        starts = timezone.now() - timedelta(days=days)
        meeting = MeetingFactory(collaborative=collaborative, starts_at=starts, ends_at=starts + timedelta(hours=2))
        register_mark(meeting=meeting, user=member, attended=True, by=member)
    meetings = list(claimable_meetings(collaborative, member, collaborative.local_today()))
    assert len(meetings) == 3
    with django_assert_num_queries(0):
        assert [meeting.local_start for meeting in meetings]
    page = member_client.get(url("claim")).content.decode()
    assert 'accept="image/*,application/pdf' in page


def test_a_second_payments_contact_approves_the_first(client, collaborative, contact_paid, paying):
    second = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    line = a_line(collaborative, contact_paid)
    client.force_login(second)
    assert client.post(url("line_approve", pk=line.pk)).status_code == 302
    line.refresh_from_db()
    assert line.status == Line.Status.APPROVED


def test_the_membership_page_does_not_offer_a_commissioner_the_payments_contact(facilitator_client, people):
    commissioner = people["commissioner"]
    manage = reverse("members:member_manage", kwargs={"slug": "lambeth", "pk": commissioner.pk})
    page = text(facilitator_client.get(manage))
    assert "Save payments contact" not in page
    assert "Commissioners see totals only, never a person's payments" in page
    toggle = reverse("members:member_payments", kwargs={"slug": "lambeth", "pk": commissioner.pk})
    response = facilitator_client.post(toggle, {"handles_payments": "yes"})
    assert "Commissioners see totals only" in " ".join(flash(response))
    assert not Membership.objects.get(user=commissioner, collaborative__slug="lambeth").handles_payments


def test_made_commissioner_in_the_administration_or_on_coming_back_stops_handling_payments(collaborative, facilitator):
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True)
    contact.role = Membership.Role.COMMISSIONER
    membership_admin_save(membership=contact, by=facilitator)
    contact.refresh_from_db()
    assert not contact.handles_payments
    assert contact.changes.filter(field=MembershipChange.Field.PAYMENTS, new_value="no").exists()

    other = MembershipFactory(collaborative=collaborative, handles_payments=True)
    membership_deactivate(membership=other, by=facilitator)
    membership_reactivate(membership=other, by=facilitator, role=Membership.Role.COMMISSIONER)
    other.refresh_from_db()
    assert (other.role, other.handles_payments) == (Membership.Role.COMMISSIONER, False)
