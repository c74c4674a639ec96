"""The single-use link in an invitation email: made here, and checked here.

The salt is this module's own: the access rule (collaborative.permissions.invitation_from_link)
asks `invitation_check` which invitation a link names, and decides from that.
"""

from django.core import signing
from django.urls import reverse

from members.models import Invitation

_SALT = "members.invitation"


def invitation_path(invitation: Invitation) -> str:
    """The link in the email: signed, so it cannot be guessed from the id."""
    token = signing.Signer(salt=_SALT).sign_object(invitation.pk)
    return reverse("members:invitation", kwargs={"token": token})


def invitation_check(token: str) -> int | None:
    """The id of the invitation a link was signed for; None for one changed or not ours."""
    try:
        pk = signing.Signer(salt=_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):  # ValueError: signed, but not by this code.
        return None
    return pk if isinstance(pk, int) else None
