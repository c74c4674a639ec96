"""Reads about payments that views, the home page and emails share. Keep each function small, with a
docstring saying what it answers."""

from members.models import Membership
from payments.models import PaymentChoice, PaymentSettings

# Settings and choices


def settings_in_force(collaborative) -> PaymentSettings | None:
    """The Collaborative's payment settings in force today (in its time zone), or None if it has none yet."""
    return PaymentSettings.objects.filter(collaborative=collaborative).in_force(collaborative.local_today())


def pays_now(collaborative) -> bool:
    """Whether the Collaborative pays people for their time or expenses today."""
    rules = settings_in_force(collaborative)
    return rules is not None and rules.pays


def choice_in_force(membership: Membership) -> PaymentChoice | None:
    """The person's choice of how they are paid, in force today, or None if they have not made one."""
    collaborative = membership.collaborative
    return PaymentChoice.objects.filter(collaborative=collaborative, user_id=membership.user_id).in_force(
        collaborative.local_today()
    )


def choice_needed(membership: Membership) -> bool:
    """Whether to ask the person how they would like to be paid: the Collaborative pays now and they
    have not said yet. Asked before their first paid activity (the home page's "Things to do")."""
    if not pays_now(membership.collaborative):
        return False
    return not PaymentChoice.objects.filter(collaborative=membership.collaborative, user_id=membership.user_id).exists()
