""" "Came" on the register makes the meeting's payment line, at the rate in force that day and as the
person chose to be paid; taking it back cancels it, or corrects it with a reversal once approved."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from meetings.services import register_mark
from payments.models import Choice, Line, LineEvent
from payments.services import choice_make, line_approve, lines_mark_paid, settings_save
from tests.factories import MembershipFactory, PaymentChoiceFactory, PaymentSettingsFactory
from tests.meetings.test_register import meeting_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def paying(collaborative):
    return PaymentSettingsFactory(collaborative=collaborative)


@pytest.fixture
def meeting(collaborative, paying):
    return meeting_today(collaborative)


def line_of(meeting, user) -> Line:
    return Line.objects.live().get(meeting=meeting, user=user)


def test_came_makes_a_line_at_the_rate_as_chosen(meeting, member, facilitator):
    PaymentChoiceFactory(collaborative=meeting.collaborative, user=member)
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    line = line_of(meeting, member)
    assert (line.amount_pence, line.unit_pence, line.status) == (3000, 3000, Line.Status.WAITING)
    assert line.kind == Line.Kind.TIME
    assert line.activity == "meeting"
    assert [(e.what, e.by) for e in line.events.all()] == [(LineEvent.What.CREATED, facilitator)]
    # Marking again makes no second line.
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    assert Line.objects.filter(meeting=meeting, user=member).count() == 1


def test_a_lower_amount_or_a_charity_is_paid_as_chosen(meeting, member, facilitator, collaborative):
    other = MembershipFactory(collaborative=collaborative).user
    PaymentChoiceFactory(collaborative=collaborative, user=member, choice=Choice.LOWER, lower_amount_pence=1000)
    PaymentChoiceFactory(collaborative=collaborative, user=other, choice=Choice.CHARITY, charity="Mind in Lambeth")
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    register_mark(meeting=meeting, user=other, attended=True, by=facilitator)
    assert line_of(meeting, member).amount_pence == 1000
    assert (line_of(meeting, other).amount_pence, line_of(meeting, other).payee) == (3000, "Mind in Lambeth")


@pytest.mark.parametrize(
    "choice", [{"choice": Choice.EXPENSES_ONLY}, {"choice": Choice.NOTHING}, {"as_part_of_job": True}]
)
def test_no_line_for_people_not_paid_for_their_time(meeting, member, facilitator, choice):
    PaymentChoiceFactory(collaborative=meeting.collaborative, user=member, **choice)
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    assert not Line.objects.filter(user=member).exists()


def test_no_line_where_the_collaborative_does_not_pay(collaborative, member, facilitator):
    meeting = meeting_today(collaborative)
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    assert not Line.objects.exists()


def test_a_line_waits_for_a_first_choice_which_settles_it(meeting, member, facilitator):
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    assert line_of(meeting, member).status == Line.Status.NEEDS_CHOICE
    choice_make(
        collaborative=meeting.collaborative, user=member, by=member, choice=Choice.LOWER, lower_amount_pence=2000
    )
    # The amount of a line never changes: the waiting line is cancelled and one for £20 takes its place.
    line = line_of(meeting, member)
    assert (line.amount_pence, line.status) == (2000, Line.Status.WAITING)
    assert Line.objects.filter(user=member, status=Line.Status.CANCELLED, amount_pence=3000).exists()


def test_a_first_choice_of_no_payment_cancels_the_waiting_line(meeting, member, facilitator):
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    choice_make(collaborative=meeting.collaborative, user=member, by=member, choice=Choice.FULL, as_part_of_job=True)
    assert not Line.objects.live().filter(user=member).exists()


def test_the_rate_in_force_that_day(collaborative, paying, member, facilitator):
    PaymentChoiceFactory(collaborative=collaborative, user=member)
    settings_save(
        collaborative=collaborative,
        by=facilitator,
        valid_from=timezone.localdate() + timedelta(days=1),
        pays=True,
        rate_meeting_pence=3500,
    )
    register_mark(meeting=meeting_today(collaborative), user=member, attended=True, by=facilitator)
    assert Line.objects.get(user=member).amount_pence == 3000  # The new rate starts tomorrow.
    with pytest.raises(ValidationError):
        settings_save(
            collaborative=collaborative, by=facilitator, valid_from=timezone.localdate() - timedelta(days=1), pays=True
        )


def test_not_there_cancels_a_waiting_line_and_reverses_an_approved_one(meeting, member, facilitator):
    PaymentChoiceFactory(collaborative=meeting.collaborative, user=member)
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    register_mark(meeting=meeting, user=member, attended=False, by=facilitator)
    assert Line.objects.get(user=member).status == Line.Status.CANCELLED

    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    line = line_of(meeting, member)
    line_approve(line=line, by=facilitator)
    lines_mark_paid(lines=[line], by=facilitator, paid_on=timezone.localdate(), reference="BACS 12")
    register_mark(meeting=meeting, user=member, attended=False, by=facilitator)
    reversal = Line.objects.get(reverses=line)
    assert (reversal.amount_pence, reversal.status) == (-3000, Line.Status.APPROVED)
    line.refresh_from_db()
    assert (line.status, line.corrected) == (Line.Status.PAID, True)
    # Came after all: a new line, the paid one and its reversal kept.
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    assert Line.objects.filter(user=member).count() == 4
    assert sum(line.amount_pence for line in Line.objects.filter(user=member).exclude(status="cancelled")) == 3000


def test_one_live_line_per_meeting_is_a_database_rule(meeting, member, facilitator):
    PaymentChoiceFactory(collaborative=meeting.collaborative, user=member)
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    line = line_of(meeting, member)
    line.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()


def test_lines_and_their_history_cannot_be_deleted(meeting, member, facilitator):
    PaymentChoiceFactory(collaborative=meeting.collaborative, user=member)
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    line = line_of(meeting, member)
    with pytest.raises(ValidationError):
        line.delete()
    with pytest.raises(ValidationError):
        line.events.first().delete()
