"""Reads about payments that views, the home page and emails share. Keep each function small, with a
docstring saying what it answers."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, QuerySet

from collaborative.working_days import is_working_day
from members.models import Collaborative, Membership
from payments.models import Letter, Line, PaymentChoice, PaymentSettings

# Claims, approval and paying

# A line that waits more than this many working days is flagged: payment is to be prompt.
TOO_LONG_WORKING_DAYS = 20


def waiting_cutoff(today: date, working_days: int = TOO_LONG_WORKING_DAYS) -> date:
    """The last day a line can have started waiting and have waited more than `working_days` working days by
    `today`: working_days_between(that day, today) > working_days, and not for the day after it."""
    day, counted = today, 0
    while counted <= working_days:
        counted += is_working_day(day)
        day -= timedelta(days=1)
    return day


def payment_queue(collaborative: Collaborative) -> QuerySet:
    """What waits for the payments contact: lines waiting for approval, and approved but not paid, oldest first.

    A line waits from the day it was made (claimed, or made by the register) until it is paid: approving it
    does not start the clock again, because what counts for the person is how long the money takes."""
    return (
        Line.objects.filter(collaborative=collaborative).waiting().select_related("user").order_by("created_at", "id")
    )


def lines_waiting_since(collaborative: Collaborative, cutoff: date) -> QuerySet:
    """The queue's lines made on the day `cutoff` or before (the Collaborative's calendar), longest waiting first."""
    before = datetime.combine(cutoff + timedelta(days=1), time(0), tzinfo=collaborative.zone)
    return payment_queue(collaborative).filter(created_at__lt=before)


def lines_waiting_too_long(collaborative: Collaborative, today: date) -> QuerySet:
    """The queue's lines waiting more than 20 working days by `today` (the Collaborative's date): one query,
    whose .count() is cheap enough for a home page."""
    return lines_waiting_since(collaborative, waiting_cutoff(today))


# Settings and choices


def settings_on(collaborative: Collaborative, day: date) -> PaymentSettings | None:
    """The Collaborative's payment settings in force on `day`, or None if it had none yet."""
    return PaymentSettings.objects.filter(collaborative=collaborative).in_force(day)


def choice_on(collaborative: Collaborative, user, day: date) -> PaymentChoice | None:
    """The person's choice of how they are paid, in force on `day`, or None if they had made none."""
    return PaymentChoice.objects.filter(collaborative=collaborative, user=user).in_force(day)


def settings_in_force(collaborative: Collaborative) -> PaymentSettings | None:
    """The settings in force today (in the Collaborative's time zone)."""
    return settings_on(collaborative, collaborative.local_today())


def choice_in_force(membership: Membership) -> PaymentChoice | None:
    """The person's choice in force today."""
    return choice_on(membership.collaborative, membership.user_id, membership.collaborative.local_today())


# The home page


@dataclass(frozen=True)
class PaymentsToDo:
    """What payments add to "Things to do" on a Collaborative's home page."""

    choice: bool  # Say how you would like to be paid: the Collaborative pays and you have not said.
    waiting_too_long: int  # For the payments contact and facilitators: lines waiting more than 20 working days.
    letters_to_sign: int  # For them too: letters members asked for, waiting to be signed.

    @property
    def any(self) -> bool:
        return bool(self.choice or self.waiting_too_long or self.letters_to_sign)


def payments_to_do(membership: Membership, *, sees_everyone: bool) -> PaymentsToDo:
    """The person's payments to-dos: one query for a member, three for the payments contact and facilitators
    (`sees_everyone`, with this session's two-step sign-in), however much data there is."""
    collaborative = membership.collaborative
    today = collaborative.local_today()
    rules = (
        PaymentSettings.objects.filter(collaborative=collaborative, valid_from__lte=today)
        .order_by("-valid_from", "-id")
        .annotate(chosen=Exists(PaymentChoice.objects.filter(collaborative=collaborative, user_id=membership.user_id)))
        .values("pays", "chosen")
        .first()
    )
    choice = bool(rules and rules["pays"] and not rules["chosen"])
    if not sees_everyone:
        return PaymentsToDo(choice=choice, waiting_too_long=0, letters_to_sign=0)
    return PaymentsToDo(
        choice=choice,
        waiting_too_long=lines_waiting_too_long(collaborative, today).count(),
        letters_to_sign=_letters_they_sign(membership).count(),
    )


def _letters_they_sign(membership: Membership):
    """The letters waiting for `membership` to sign (Letter.may_be_signed_by): never their own, and a letter
    to an employer only for a facilitator."""
    letters = Letter.objects.filter(collaborative=membership.collaborative, status=Letter.Status.ASKED).exclude(
        user_id=membership.user_id
    )
    return letters if membership.is_facilitator else letters.exclude(kind=Letter.Kind.EMPLOYER)
