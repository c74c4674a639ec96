"""The payments emails (issue 16, item 7): a line approved, refused or paid, told to its person in pounds;
"you have expenses to claim" the morning after a meeting, to those who came and usually claim; and the
payments contacts' Monday list of what waits, with what has waited more than 20 working days."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from meetings.models import Attendance
from members.models import Membership
from notifications.delivery import message_render, messages_claim, messages_send
from notifications.models import Message
from payments.emails import (
    EXPENSES_TO_CLAIM,
    PAYMENT_APPROVED,
    PAYMENT_CORRECTED,
    PAYMENT_PAID,
    PAYMENT_REFUSED,
    PAYMENTS_WAITING,
    expenses_reminders_queue,
    lines_waiting_since,
    waiting_cutoff,
    waiting_lists_queue,
)
from payments.models import Choice, Line
from payments.services import line_add, line_approve, line_correct, line_refuse, lines_mark_paid
from tests.factories import MeetingFactory, MembershipFactory, PaymentChoiceFactory, PaymentSettingsFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def deliver() -> None:
    """Send what was queued, including what a scan "at 9:30 this morning" queued when the test runs before then."""
    latest = Message.objects.aggregate(latest=Max("due_at"))["latest"] or timezone.now()
    claim, ids = messages_claim(now=max(timezone.now(), latest) + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)


def at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    """A moment on a day, London time (the Collaborative's)."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def expense(collaborative, user, *, pence=450, description="Bus fare", **fields) -> Line:
    fields.setdefault("activity_on", timezone.localdate())
    return line_add(
        by=user,
        collaborative=collaborative,
        user=user,
        kind=Line.Kind.EXPENSE,
        expense_type="public_transport",
        description=description,
        unit_pence=pence,
        amount_pence=pence,
        **fields,
    )


def messages(kind) -> list[Message]:
    return list(Message.objects.filter(kind=kind.key).order_by("id"))


@pytest.fixture
def paying(collaborative):
    return PaymentSettingsFactory(collaborative=collaborative)


@pytest.fixture
def contact(collaborative):
    return MembershipFactory(
        collaborative=collaborative, handles_payments=True, user__display_name="Tom Treasurer"
    ).user


# A line approved, refused or paid: to its person, in pounds.


def test_approving_tells_the_person_what_and_how_much_in_pounds(paying, collaborative, member, contact, mailoutbox):
    line = expense(collaborative, member, pence=1250, description="Train to Brixton")
    line_approve(line=line, by=contact)
    assert [m.recipient for m in messages(PAYMENT_APPROVED)] == [member]
    deliver()
    (email,) = mailoutbox
    assert email.to == [member.email]
    assert email.subject == "Your payment of £12.50 is approved (Lambeth Living Well Collaborative)"
    assert "Train to Brixton" in email.body
    assert "£12.50" in email.body
    assert "List-Unsubscribe" in email.extra_headers
    assert "£12.50" in email.alternatives[0][0]


def test_refusing_tells_the_person_the_reason(paying, collaborative, member, contact, mailoutbox):
    line = expense(collaborative, member, pence=2000, description="Taxi")
    line_refuse(line=line, by=contact, reason="Taxis are paid only when agreed before. Ask us next time.")
    deliver()
    (email,) = mailoutbox
    assert email.to == [member.email]
    assert email.subject.startswith("A payment of £20.00 was not approved")
    assert "Tom Treasurer did not approve this payment" in email.body
    assert "Taxis are paid only when agreed before. Ask us next time." in email.body


def test_marking_paid_sends_one_email_per_person_listing_their_lines(
    paying, collaborative, member, facilitator, contact, mailoutbox
):
    mine = [expense(collaborative, member, pence=450), expense(collaborative, member, pence=3800, description="Cover")]
    theirs = expense(collaborative, facilitator, pence=995, description="Parking")
    for line in [*mine, theirs]:
        line_approve(line=line, by=contact)
    # Made before the day they are paid (a payment is never before the line was made).
    Line.objects.update(created_at=datetime(2026, 12, 1, 12, tzinfo=UTC))
    Message.objects.all().delete()  # The approvals' emails: not what this test is about.
    lines_mark_paid(lines=[*mine, theirs], by=contact, paid_on=date(2026, 12, 4), reference="BACS 2026-12")
    assert sorted(m.recipient.pk for m in messages(PAYMENT_PAID)) == sorted([member.pk, facilitator.pk])
    deliver()
    emails = {email.to[0]: email for email in mailoutbox}
    assert len(mailoutbox) == 2
    to_member = emails[member.email]
    assert to_member.subject.startswith("Paid: £42.50 on 4 December 2026")
    assert "paid on Friday 4 December 2026, with the reference BACS 2026-12" in to_member.body
    today = f"{timezone.localdate():%-d %B %Y}"
    assert f"- Bus fare, {today}: £4.50\n- Cover, {today}: £38.00\n" in to_member.body
    assert "Total: £42.50" in to_member.body
    assert "Parking" not in to_member.body
    assert "Total: £9.95" in emails[facilitator.email].body


def test_a_payment_to_a_charity_says_so(paying, collaborative, member, contact, mailoutbox):
    line = expense(collaborative, member, pence=3000, payee="Mind in Lambeth")
    line_approve(line=line, by=contact)
    deliver()
    assert "paid to Mind in Lambeth as you chose" in mailoutbox[0].body


def test_a_payment_to_a_charity_is_not_said_to_reach_the_persons_account(
    paying, collaborative, member, contact, mailoutbox
):
    line = expense(collaborative, member, pence=3000, payee="Mind in Lambeth")
    line_approve(line=line, by=contact)
    deliver()
    approved = mailoutbox[-1]
    assert "It will be paid to Mind in Lambeth, the charity you chose, in the next payment run." in approved.body
    assert "the charity you chose" in approved.alternatives[0][0]
    # Paid with an expense of the person's own: each said as it is.
    fares = expense(collaborative, member, pence=450)
    line_approve(line=fares, by=contact)
    lines_mark_paid(lines=[line, fares], by=contact, paid_on=timezone.localdate(), reference="BACS 2026-12")
    deliver()
    paid = mailoutbox[-1]
    assert paid.subject.startswith("Paid: £34.50")
    assert "What was paid to Mind in Lambeth went to the charity you chose, not to you." in paid.body
    assert paid.body.count("reach your account") == 1
    only_charity = expense(collaborative, member, pence=3000, payee="Mind in Lambeth")
    line_approve(line=only_charity, by=contact)
    lines_mark_paid(lines=[only_charity], by=contact, paid_on=timezone.localdate(), reference="BACS 2026-12b")
    deliver()
    assert "reach your account" not in mailoutbox[-1].body
    assert "reach your account" not in mailoutbox[-1].alternatives[0][0]


def test_a_voucher_is_said_to_be_sent(paying, collaborative, member, contact, mailoutbox):
    line = expense(collaborative, member, pence=1500, method="voucher")
    line_approve(line=line, by=contact)
    deliver()
    approved = mailoutbox[-1]
    assert "A shopping voucher for it will be sent to you in the next payment run." in approved.body
    assert "the next payment run (" not in approved.body
    lines_mark_paid(lines=[line], by=contact, paid_on=timezone.localdate(), reference="VOUCHER 17")
    deliver()
    paid = mailoutbox[-1]
    assert "Your shopping voucher has been sent to you." in paid.body
    assert "Your shopping voucher has been sent to you." in paid.alternatives[0][0]
    assert "reach your account" not in paid.body


def test_a_line_paid_before_its_approval_email_went_gets_only_the_paid_one(
    paying, collaborative, member, contact, mailoutbox
):
    line = expense(collaborative, member)
    line_approve(line=line, by=contact)
    lines_mark_paid(lines=[line], by=contact, paid_on=timezone.localdate(), reference="PAY-1")
    deliver()
    assert [email.subject.split(" (")[0] for email in mailoutbox] == [
        f"Paid: £4.50 on {timezone.localdate():%-d %B %Y}"
    ]
    approved = messages(PAYMENT_APPROVED)[0]
    assert (approved.status, approved.last_error) == (
        Message.Status.SKIPPED,
        "It was paid since; that email goes instead.",
    )


# "You have expenses to claim", the morning after a meeting.


@pytest.fixture
def yesterday_meeting(collaborative, paying):
    """A meeting that was yesterday at 10:00, London time."""
    day = timezone.localdate(timezone=LONDON) - timedelta(days=1)
    return MeetingFactory(collaborative=collaborative, starts_at=at(day, 10, 0), ends_at=at(day, 12, 0))


def came(meeting, user, attended=True) -> None:
    Attendance.objects.create(meeting=meeting, user=user, attended=attended)


def claimed_before(collaborative, user, *, days_ago: int) -> Line:
    line = expense(collaborative, user)
    Line.objects.filter(pk=line.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return line


def this_morning(hour=9, minute=30) -> datetime:
    return at(timezone.localdate(timezone=LONDON), hour, minute)


def test_those_who_came_and_usually_claim_are_told_once(yesterday_meeting, collaborative, member, mailoutbox):
    came(yesterday_meeting, member)
    claimed_before(collaborative, member, days_ago=60)
    assert expenses_reminders_queue(now=this_morning()) == 1
    assert expenses_reminders_queue(now=this_morning(11)) == 0, "Once per person per meeting."
    deliver()
    (email,) = mailoutbox
    assert email.to == [member.email]
    assert email.subject.startswith(f"Claim your expenses for {yesterday_meeting.title}")
    deadline = yesterday_meeting.local_start.date() + timedelta(days=90)
    assert f"you can claim it back until {deadline:%A %-d %B %Y}" in email.body
    assert "Bus, train or tram fares" in email.body
    assert "have claimed expenses in Lambeth Living Well Collaborative in the last 6 months" in email.body


def test_who_is_not_told_about_expenses(yesterday_meeting, collaborative, member):
    came(yesterday_meeting, member)
    claimed_before(collaborative, member, days_ago=60)
    never_claims = MembershipFactory(collaborative=collaborative).user
    came(yesterday_meeting, never_claims)
    claimed_long_ago = MembershipFactory(collaborative=collaborative).user
    came(yesterday_meeting, claimed_long_ago)
    claimed_before(collaborative, claimed_long_ago, days_ago=200)
    did_not_come = MembershipFactory(collaborative=collaborative).user
    came(yesterday_meeting, did_not_come, attended=False)
    claimed_before(collaborative, did_not_come, days_ago=10)
    claimed_already = MembershipFactory(collaborative=collaborative).user
    came(yesterday_meeting, claimed_already)
    claimed_before(collaborative, claimed_already, days_ago=10)
    expense(collaborative, claimed_already, meeting=yesterday_meeting, activity_on=yesterday_meeting.local_start.date())
    no_expenses = MembershipFactory(collaborative=collaborative).user
    came(yesterday_meeting, no_expenses)
    claimed_before(collaborative, no_expenses, days_ago=10)
    PaymentChoiceFactory(collaborative=collaborative, user=no_expenses, choice=Choice.NOTHING)
    claims_elsewhere = MembershipFactory(collaborative=collaborative).user
    came(yesterday_meeting, claims_elsewhere)
    claimed_before(MembershipFactory(user=claims_elsewhere).collaborative, claims_elsewhere, days_ago=10)

    expenses_reminders_queue(now=this_morning())
    assert [m.recipient for m in messages(EXPENSES_TO_CLAIM)] == [member]


def test_expenses_are_asked_for_only_the_morning_after(yesterday_meeting, collaborative, member):
    came(yesterday_meeting, member)
    claimed_before(collaborative, member, days_ago=60)
    assert expenses_reminders_queue(now=this_morning(8, 59)) == 0, "From 9am."
    assert expenses_reminders_queue(now=this_morning() + timedelta(days=1)) == 0, "Not two days after."
    assert expenses_reminders_queue(now=this_morning() - timedelta(days=1)) == 0, "Not on the day."


def test_no_expenses_email_where_the_collaborative_does_not_pay(collaborative, member):
    day = timezone.localdate(timezone=LONDON) - timedelta(days=1)
    meeting = MeetingFactory(collaborative=collaborative, starts_at=at(day, 10, 0), ends_at=at(day, 12, 0))
    came(meeting, member)
    claimed_before(collaborative, member, days_ago=60)
    assert expenses_reminders_queue(now=this_morning()) == 0


# The weekly list for the payments contacts.


def last_monday() -> date:
    today = timezone.localdate(timezone=LONDON)
    return today - timedelta(days=today.weekday())


def waiting_since(line: Line, day: date) -> Line:
    Line.objects.filter(pk=line.pk).update(created_at=at(day, 12, 0))
    line.refresh_from_db()
    return line


def test_the_payments_contacts_get_the_list_once_a_week(paying, collaborative, people, contact):
    second = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    elsewhere = MembershipFactory(handles_payments=True)
    expense(elsewhere.collaborative, elsewhere.user)  # Something waits there too, on its own list.
    expense(collaborative, people["member"])
    monday = last_monday()
    assert waiting_lists_queue(now=at(monday, 8, 59)) == 0, "From 9am."
    assert waiting_lists_queue(now=at(monday)) == 3
    assert waiting_lists_queue(now=at(monday, 14)) == 0, "Once a week, however often the scan runs."
    assert waiting_lists_queue(now=at(monday + timedelta(days=1))) == 0, "On Mondays only."
    told = {(m.recipient_id, m.collaborative_id) for m in messages(PAYMENTS_WAITING)}
    assert told == {
        (contact.pk, collaborative.pk),
        (second.pk, collaborative.pk),
        (elsewhere.user_id, elsewhere.collaborative_id),
    }
    assert waiting_lists_queue(now=at(monday + timedelta(days=7))) == 3, "Next week's."


def test_no_list_when_nothing_waits(paying, collaborative, member, contact):
    paid = expense(collaborative, member)
    line_approve(line=paid, by=contact)
    lines_mark_paid(lines=[paid], by=contact, paid_on=timezone.localdate(), reference="PAY-1")
    line_refuse(line=expense(collaborative, member), by=contact, reason="Twice.")
    assert waiting_lists_queue(now=at(last_monday())) == 0
    assert not messages(PAYMENTS_WAITING)


def test_the_list_counts_what_waits_in_pounds(paying, collaborative, people, contact, mailoutbox):
    member = people["member"]
    expense(collaborative, member, pence=450)
    expense(collaborative, member, pence=1000)
    approved = expense(collaborative, people["facilitator"], pence=3000, description="Monthly meeting")
    line_approve(line=approved, by=contact)
    Message.objects.exclude(kind=PAYMENTS_WAITING.key).delete()
    waiting_lists_queue(now=at(last_monday()))
    deliver()
    (email,) = mailoutbox
    assert email.to == [contact.email]
    assert email.subject.startswith("Payments waiting: 2 to approve, 1 to pay")
    assert "Waiting for approval: 2 (£14.50)" in email.body
    assert "Approved, not yet paid: 1 (£30.00)" in email.body
    assert "Nothing has waited more than 20 working days." in email.body
    assert "you are the payments contact of Lambeth Living Well Collaborative" in email.body


def test_twenty_working_days_leave_out_the_christmas_2026_bank_holidays(paying, collaborative, member, contact):
    """Christmas Day (Friday 25 December 2026), Boxing Day's substitute (Monday 28 December) and New Year's
    Day (Friday 1 January 2027) are not working days: a line from Friday 11 December has waited 20 working
    days on Wednesday 13 January (not on Friday 8 January, as it would without them) and more from the 14th."""
    assert waiting_cutoff(date(2027, 1, 13)) == date(2026, 12, 10)
    assert waiting_cutoff(date(2027, 1, 14)) == date(2026, 12, 13)
    from_11 = waiting_since(expense(collaborative, member, description="Fares on 11 December"), date(2026, 12, 11))
    from_4 = waiting_since(expense(collaborative, member, description="Fares on 4 December"), date(2026, 12, 4))
    assert list(lines_waiting_since(collaborative, waiting_cutoff(date(2027, 1, 13)))) == [from_4]
    assert list(lines_waiting_since(collaborative, waiting_cutoff(date(2027, 1, 14)))) == [from_4, from_11]

    # Monday 11 January: 21 weekdays since 11 December, but 18 working days; 23 since 4 December.
    waiting_lists_queue(now=at(date(2027, 1, 11)))
    body = message_render(messages(PAYMENTS_WAITING)[0]).body
    assert "What waits for you on Monday 11 January 2027" in body
    assert "Waiting more than 20 working days: 1" in body
    flagged = "Fares on 4 December, £4.50. Waiting for approval; waiting since 4 December 2026 (23 working days)"
    assert f"- {member.display_name}: {flagged}" in body
    assert "Fares on 11 December" not in body

    waiting_lists_queue(now=at(date(2027, 1, 18)))
    body = message_render(messages(PAYMENTS_WAITING)[1]).body
    assert "Waiting more than 20 working days: 2" in body
    assert "since 11 December 2026 (23 working days)" in body


def test_a_line_waits_from_when_it_was_made_until_it_is_paid(paying, collaborative, member, contact):
    """Approving a line does not start its clock again: what counts for the person is how long the money takes."""
    line = waiting_since(expense(collaborative, member), date(2026, 11, 2))
    line_approve(line=line, by=contact)
    assert lines_waiting_since(collaborative, date(2026, 11, 30)).get() == line
    assert not lines_waiting_since(collaborative, date(2026, 11, 1)).exists()


# Preferences: every kind has one, grouped; the payments contact's list is offered to payments contacts only.


def test_the_preferences_page_groups_the_payments_emails_and_offers_the_list_to_contacts(client, people, contact):
    for user, offered in ((people["member"], False), (people["facilitator"], False), (contact, True)):
        client.force_login(user)
        page = client.get(reverse("notifications:preferences")).text
        assert "<legend>Payments and expenses</legend>" in page
        for kind in (PAYMENT_APPROVED, PAYMENT_REFUSED, PAYMENT_PAID, EXPENSES_TO_CLAIM):
            assert f'name="{kind.key}_enabled"' in page
        assert ('name="payments_waiting_enabled"' in page) is offered
    assert "in the last 6 months" in EXPENSES_TO_CLAIM.description


def test_a_person_can_turn_a_payments_email_off(paying, client, collaborative, member, contact, mailoutbox):
    client.force_login(member)
    client.post(reverse("notifications:preferences"), {"payment_paid_enabled": "on"})  # All others off.
    line = expense(collaborative, member)
    line_approve(line=line, by=contact)
    deliver()
    assert not mailoutbox
    assert messages(PAYMENT_APPROVED)[0].status == Message.Status.SKIPPED


def test_a_payments_contact_no_longer_gets_the_list(paying, collaborative, member, contact):
    expense(collaborative, member)
    Membership.objects.filter(user=contact).update(handles_payments=False)
    assert waiting_lists_queue(now=at(last_monday())) == 0


def test_beat_runs_both_scans_and_the_tasks_scan_as_of_a_moment_given(settings, paying, collaborative, member, contact):
    from payments.tasks import queue_expenses_reminders_task, queue_waiting_lists_task

    assert settings.CELERY_BEAT_SCHEDULE["payments-expenses-to-claim"]["task"] == queue_expenses_reminders_task.name
    assert settings.CELERY_BEAT_SCHEDULE["payments-waiting-lists"]["task"] == queue_waiting_lists_task.name
    assert queue_expenses_reminders_task.apply().get() == 0
    expense(collaborative, member)
    assert queue_waiting_lists_task.apply(args=[at(last_monday()).isoformat()]).get() == 1


def test_money_taken_back_is_told_with_the_reason(paying, collaborative, member, contact, mailoutbox):
    """A correction of an approved or paid payment, by the payments contact or by "not there" on the
    register, emails the person why; a payment never corrected sends no such email."""
    line = expense(collaborative, member, pence=1200, description="Taxi home")
    line_approve(line=line, by=contact)
    deliver()
    assert not messages(PAYMENT_CORRECTED)
    line_correct(line=line, by=contact, reason="The taxi was booked and paid by the cafe.")
    deliver()
    (message,) = messages(PAYMENT_CORRECTED)
    assert (message.recipient, message.status) == (member, Message.Status.SENT)
    email = mailoutbox[-1]
    assert email.subject.startswith("A payment of £12.00 was corrected")
    assert "Taxi home" in email.body
    assert "The taxi was booked and paid by the cafe." in email.body
    assert "its amount is taken back" in email.alternatives[0][0]
