"""Reads about people that views, services and personal data share.

Which addresses are a person's own. Anyone can add any address to their account on
allauth's "Email addresses" page, where it stays unconfirmed until someone opens the link
emailed to it; with ACCOUNT_PREVENT_ENUMERATION allauth even accepts an address another
account already has, so as not to tell that it has. So an unconfirmed address says nothing
about who the person is, and nothing may ever link a record to a person through it: not
an invitation, a request to join, an email in the outbox, "Download my data" or erasure.
Every match of an address to a person goes through the functions below.

An account's main address (`User.email`) counts as confirmed: email verification is
mandatory, so no one can sign in before confirming it, and allauth lets an unconfirmed
address become the main one only on an account with no confirmed address at all.
"""

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from members.models import User


def verified_addresses(user: User) -> list[str]:
    """The person's own addresses, lower case: their main address and every one they confirmed."""
    confirmed = EmailAddress.objects.filter(user_id=user.pk, verified=True).values_list(Lower("email"), flat=True)
    return sorted({user.email.lower(), *confirmed})


def addresses_owned(addresses: list[str], *, by: QuerySet | None = None) -> set[str]:
    """Which of `addresses` (lower case) are some account's own, main or confirmed; with `by`
    (a query of user ids), only the accounts it names count."""
    lowered = {address.lower() for address in addresses}
    confirmed = EmailAddress.objects.filter(verified=True).annotate(address=Lower("email"))
    main = User.objects.annotate(address=Lower("email"))
    if by is not None:
        confirmed, main = confirmed.filter(user_id__in=by), main.filter(pk__in=by)
    found = set(confirmed.filter(address__in=lowered).values_list("address", flat=True))
    return found | set(main.filter(address__in=lowered).values_list("address", flat=True))


def accounts_owning(address: str) -> list[User]:
    """The active accounts whose own address `address` is, main or confirmed: the only ones a
    sign-in code, a password reset or a password sign-in with that address may reach."""
    address = address.lower()
    confirmed = EmailAddress.objects.filter(verified=True).annotate(address=Lower("email")).filter(address=address)
    accounts = User.objects.annotate(address=Lower("email")).filter(is_active=True)
    return list(accounts.filter(Q(address=address) | Q(pk__in=confirmed.values("user_id"))).order_by("pk"))
