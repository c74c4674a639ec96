"""Members claim expenses back with a receipt, or ask for a ticket to be booked; facilitators add other paid
activities. Money is whole pence; receipts are checked as action evidence is."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from actions.evidence import NOT_ALLOWED
from meetings.models import Meeting, Rsvp
from meetings.services import meeting_cancel
from payments.models import Choice, ExpenseType, Line, LineEvent, PaymentChoice
from payments.money import pence_from_pounds, times_rate
from payments.services import activity_add, choice_make
from tests.factories import MeetingFactory, MembershipFactory, PaymentChoiceFactory, PaymentSettingsFactory
from tests.meetings.test_register import flash, text
from tests.payments.claims import a_line, pdf, url

pytestmark = pytest.mark.django_db


def claim_data(collaborative, **overrides) -> dict:
    data = {
        "way": "claim",
        "day": (collaborative.local_today() - timedelta(days=2)).isoformat(),
        "description": "Train to the meeting",
        "expense_type": ExpenseType.PUBLIC_TRANSPORT,
        "amount": "£12.50",
        "miles": "",
    }
    return data | overrides


def test_money_is_exact_and_mileage_rounds_half_up():
    assert times_rate(Decimal("12.5"), 45) == 563  # 562.5p: the half penny goes up.
    assert times_rate(Decimal("12.4"), 45) == 558
    assert times_rate(Decimal("1"), 3000) == 3000
    assert pence_from_pounds("£12.50") == pence_from_pounds("12.5") == 1250
    assert pence_from_pounds("1,200") == 120000


def test_a_member_claims_a_fare_with_a_receipt(member_client, member, collaborative, paying, evidence_root):
    response = member_client.post(url("claim"), claim_data(collaborative) | {"receipt": pdf("my ticket.pdf")})

    line = Line.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == url("line", pk=line.pk)
    assert (line.kind, line.status, line.amount_pence, line.user) == ("expense", "waiting", 1250, member)
    assert (line.receipt_name, line.receipt_type) == ("my ticket.pdf", "application/pdf")
    # Stored under a random name, outside the web root; the person's name for it is kept in the row.
    assert line.receipt.name.startswith(f"receipts/{collaborative.pk}/")
    assert "ticket" not in line.receipt.name
    assert (evidence_root / line.receipt.name).read_bytes().startswith(b"%PDF")
    assert [(event.what, event.by) for event in line.events.all()] == [(LineEvent.What.CREATED, member)]
    assert "Your claim for £12.50 has been sent for approval." in flash(response)


def test_mileage_is_the_miles_at_the_rate_and_needs_no_receipt(member_client, collaborative, paying):
    data = claim_data(collaborative, expense_type=ExpenseType.MILEAGE, amount="", miles="12.5")
    response = member_client.post(url("claim"), data)

    assert response.status_code == 302
    line = Line.objects.get()
    assert (line.amount_pence, line.quantity, line.unit_pence, line.receipt.name) == (563, Decimal("12.5"), 45, "")
    page = text(member_client.get(url("line", pk=line.pk)))
    assert "£5.63" in page
    assert "12.5 miles at £0.45" in page


def test_food_and_drink_needs_no_receipt_but_fares_do(member_client, collaborative, paying):
    paying.expense_types = [*paying.expense_types, ExpenseType.SUBSISTENCE]
    paying.save()
    response = member_client.post(url("claim"), claim_data(collaborative))
    assert response.status_code == 400
    assert "Add a photo or a scan of the receipt or ticket." in text(response)
    assert not Line.objects.exists()

    data = claim_data(collaborative, expense_type=ExpenseType.SUBSISTENCE, amount="4.20", description="Lunch")
    assert member_client.post(url("claim"), data).status_code == 302
    assert Line.objects.get().amount_pence == 420


def test_a_program_renamed_pdf_is_refused(member_client, collaborative, paying):
    program = SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = member_client.post(url("claim"), claim_data(collaborative) | {"receipt": program})

    assert response.status_code == 400
    assert NOT_ALLOWED in text(response)
    assert not Line.objects.exists()


def test_a_claim_older_than_the_deadline_is_refused(member_client, collaborative, paying):
    old = (collaborative.local_today() - timedelta(days=91)).isoformat()
    response = member_client.post(url("claim"), claim_data(collaborative, day=old) | {"receipt": pdf()})

    assert response.status_code == 400
    assert "Expenses must be claimed within 90 days" in text(response)
    assert not Line.objects.exists()
    # Ninety days is still in time.
    in_time = (collaborative.local_today() - timedelta(days=90)).isoformat()
    response = member_client.post(url("claim"), claim_data(collaborative, day=in_time) | {"receipt": pdf()})
    assert response.status_code == 302


def test_only_the_kinds_of_expense_the_collaborative_pays_for(member_client, collaborative, paying):
    response = member_client.post(url("claim"), claim_data(collaborative, expense_type=ExpenseType.PARKING))

    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert "Parking" not in text(member_client.get(url("claim")))
    assert not Line.objects.exists()


def test_bad_amounts_are_explained(member_client, collaborative, paying):
    for amount, message in (("twelve", "Give an amount in pounds"), ("12.555", "to the penny"), ("", "Give the")):
        response = member_client.post(url("claim"), claim_data(collaborative, amount=amount) | {"receipt": pdf()})
        assert response.status_code == 400, amount
        assert message in text(response), amount
    assert not Line.objects.exists()


@pytest.mark.parametrize(
    ("choice", "said"),
    [
        ({"choice": Choice.NOTHING}, "You chose not to be paid anything, not even expenses, so you cannot claim."),
        (
            {"choice": Choice.FULL, "as_part_of_job": True, "employer_pays_expenses": True},
            "You said your employer pays your expenses",
        ),
    ],
)
def test_people_who_chose_no_expenses_are_told_they_cannot_claim(
    member_client, member, collaborative, paying, choice, said
):
    choice_make(collaborative=collaborative, user=member, by=member, **choice)

    page = text(member_client.get(url("claim")))
    assert said in page
    assert "Send the claim" not in page
    response = member_client.post(url("claim"), claim_data(collaborative) | {"receipt": pdf()})
    assert response.status_code == 302
    assert said in flash(response)[0]
    assert not Line.objects.exists()


def test_staff_whose_employer_does_not_pay_expenses_can_claim(member_client, member, collaborative, paying):
    choice_make(collaborative=collaborative, user=member, by=member, choice=Choice.FULL, as_part_of_job=True)
    assert member_client.post(url("claim"), claim_data(collaborative) | {"receipt": pdf()}).status_code == 302


def test_a_collaborative_that_does_not_pay_says_so(member_client, collaborative):
    page = text(member_client.get(url("claim")))
    assert f"{collaborative.name} does not pay expenses." in page


def test_a_ticket_to_book_needs_no_receipt_and_may_be_ahead(member_client, collaborative, paying):
    ahead = (collaborative.local_today() + timedelta(days=10)).isoformat()
    data = claim_data(collaborative, way="book", day=ahead, amount="35", description="Train to the board meeting")
    response = member_client.post(url("claim"), data)

    assert response.status_code == 302
    line = Line.objects.get()
    assert (line.kind, line.status, line.amount_pence) == (Line.Kind.BOOKING, Line.Status.WAITING, 3500)
    assert "We will book it for you" in flash(response)[0]


def test_a_claim_can_be_for_a_cancelled_meeting_the_member_was_coming_to(member_client, member, collaborative, paying):
    """Expenses already paid (an advance ticket) are still paid when the meeting is cancelled."""
    now = collaborative.local_now()
    meeting = MeetingFactory(collaborative=collaborative, starts_at=now + timedelta(days=2), title="Spring meeting")
    Rsvp.objects.create(meeting=meeting, user=member, answer=Rsvp.Answer.COMING)
    meeting_cancel(meeting=meeting, by=MembershipFactory(collaborative=collaborative, role="facilitator").user)
    other = MeetingFactory(collaborative=collaborative, starts_at=now - timedelta(days=3), title="Not coming")
    assert Meeting.objects.get(pk=meeting.pk).is_cancelled

    page = text(member_client.get(url("claim")))
    assert "Spring meeting" in page
    assert "(cancelled)" in page
    assert "Not coming" not in page
    data = claim_data(collaborative, meeting=meeting.pk, description="") | {"receipt": pdf()}
    assert member_client.post(url("claim"), data).status_code == 302
    line = Line.objects.get()
    assert line.meeting == meeting
    assert line.description.startswith("Spring meeting")
    # A meeting the member neither came to nor was coming to is not one of the choices.
    data = claim_data(collaborative, meeting=other.pk) | {"receipt": pdf()}
    assert member_client.post(url("claim"), data).status_code == 400


def test_the_receipt_is_downloaded_only_by_those_who_see_the_line(client, people, collaborative, paying, contact):
    member = people["member"]
    client.force_login(member)
    client.post(url("claim"), claim_data(collaborative) | {"receipt": pdf("bus.pdf")})
    line = Line.objects.get()

    response = client.get(url("receipt", pk=line.pk))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="bus.pdf"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    for who, status in (("facilitator", 200), ("commissioner", 404), ("outsider", 404)):
        client.force_login(people[who])
        assert client.get(url("receipt", pk=line.pk)).status_code == status, who
        assert client.get(url("line", pk=line.pk)).status_code == status, who
    client.force_login(contact)
    assert client.get(url("receipt", pk=line.pk)).status_code == 200
    # Another member's line, and its receipt, are not there for a member.
    other = MembershipFactory(collaborative=collaborative).user
    client.force_login(other)
    assert client.get(url("receipt", pk=line.pk)).status_code == 404
    assert client.get(url("line", pk=line.pk)).status_code == 404


def test_a_line_without_a_receipt_has_none_to_download(member_client, member, collaborative, paying):
    line = a_line(collaborative, member)
    assert member_client.get(url("receipt", pk=line.pk)).status_code == 404


# Other paid activities, added by facilitators


def test_a_facilitator_adds_hours_for_several_people_each_as_they_chose(
    facilitator_client, facilitator, people, collaborative, paying
):
    member = people["member"]  # Paid in full.
    lower = MembershipFactory(collaborative=collaborative).user
    PaymentChoiceFactory(collaborative=collaborative, user=lower, choice=Choice.LOWER, lower_amount_pence=2000)
    expenses_only = MembershipFactory(collaborative=collaborative).user
    PaymentChoiceFactory(collaborative=collaborative, user=expenses_only, choice=Choice.EXPENSES_ONLY)
    undecided = MembershipFactory(collaborative=collaborative).user
    members = {m.user_id: m.pk for m in collaborative.memberships.all()}
    day = collaborative.local_today() - timedelta(days=1)

    response = facilitator_client.post(
        url("activity_add"),
        {
            "people": [members[person.pk] for person in (member, lower, expenses_only, undecided)],
            "description": "Interview panel for the crisis service",
            "day": day.isoformat(),
            "activity": "hour",
            "hours": "2.5",
        },
    )

    assert response.status_code == 302
    assert "Added for 3 people. 1 chose not to be paid for their time" in flash(response)[0]
    lines = {line.user_id: line for line in Line.objects.all()}
    assert lines[member.pk].amount_pence == 3750  # 2.5 hours at £15.
    assert (lines[member.pk].quantity, lines[member.pk].unit_pence) == (Decimal("2.5"), 1500)
    assert lines[lower.pk].amount_pence == 2000
    assert expenses_only.pk not in lines
    assert (lines[undecided.pk].status, lines[undecided.pk].amount_pence) == (Line.Status.NEEDS_CHOICE, 3750)
    assert all(line.events.get().by == facilitator for line in lines.values())
    # Their first choice settles the line at what the activity is worth, hours and all.
    choice_make(collaborative=collaborative, user=undecided, by=undecided, choice=Choice.FULL)
    assert Line.objects.live().get(user=undecided).amount_pence == 3750


def test_an_activity_is_paid_at_the_rate_of_its_day(collaborative, people, paying):
    facilitator, member = people["facilitator"], people["member"]
    today = collaborative.local_today()
    PaymentSettingsFactory(collaborative=collaborative, rate_day_pence=12000, valid_from=today)
    yesterday = today - timedelta(days=1)
    with pytest.raises(Exception, match="no rate for this"):
        activity_add(
            collaborative=collaborative, by=facilitator, users=[member], activity="day", day=yesterday, description="x"
        )
    [line] = activity_add(
        collaborative=collaborative, by=facilitator, users=[member], activity="day", day=today, description="Board"
    )
    assert line.amount_pence == 12000
    assert PaymentChoice.objects.count() == 1


def test_hours_are_needed_when_paid_by_the_hour(facilitator_client, people, collaborative, paying):
    membership = collaborative.memberships.get(user=people["member"])
    data = {"people": [membership.pk], "description": "Working group", "day": "2026-12-01", "activity": "hour"}
    response = facilitator_client.post(url("activity_add"), data)
    assert response.status_code == 400
    assert "Say how many hours." in text(response)
    assert not Line.objects.exists()


def test_members_cannot_add_activities(member_client, paying):
    assert member_client.get(url("activity_add")).status_code == 403
    assert member_client.post(url("activity_add"), {}).status_code == 403
