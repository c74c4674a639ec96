"""Ending a person's sessions, and what two-step sign-in records in this one.

Sessions live in the database and each stores a hash of the person's password and their
session generation (members.models.User.get_session_auth_hash). Raising the generation ends
every session they have open, on every device, as changing the password would, without
touching the password. The request that raised it gets the new hash, so it goes on.

It is raised when someone turns on two-step sign-in (a session that signed in with the
password alone must not become a facilitator's session), and when someone is made a
facilitator or commissioner (their open sessions were made as a member's).
"""

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.contrib.auth import update_session_auth_hash
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpRequest

from members.models import Membership, User


def sessions_end(*, user: User, keep: HttpRequest | None = None) -> None:
    """End every session `user` has open; `keep`, a request of theirs, goes on signed in."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    if keep is not None:
        session_keep(keep)


def session_keep(request: HttpRequest) -> None:
    """Give this request's session the person's current hash, so a change elsewhere does not end it."""
    if request.user.is_authenticated:
        request.user.refresh_from_db(fields=["session_generation", "password"])
        update_session_auth_hash(request, request.user)


def role_given(*, membership: Membership, old_role: str | None, was_active: bool, payments_given: bool = False) -> None:
    """After a membership's role, status or responsibility changed: someone just made facilitator,
    commissioner or payments contact (or brought back as one) starts again from sign-in, with its
    two-step code, on every device."""
    if not membership.is_active or not membership.needs_two_step:
        return
    if was_active and old_role == membership.role and not payments_given:
        return
    sessions_end(user=membership.user)


@receiver(authenticator_added)
def _two_step_turned_on(sender, request: HttpRequest, user: User, authenticator: Authenticator, **kwargs) -> None:
    """Turning on two-step sign-in: this session has just shown a code from the app, so it counts as
    having passed the code step; every other session, which has not, ends."""
    if authenticator.type != Authenticator.Type.TOTP:
        return
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True)
    sessions_end(user=user, keep=request)
