"""The links emailed to a responder, who needs no account: made here, and checked here.

A link signs the id of its `ResponderLink` row with this module's own salt. The access rule
(collaborative.permissions.responder_link_from) asks `responder_link_check` which row a link names and
decides from the row whether it still works (used, replaced by a newer link, or past LINK_DAYS).
"""

from django.core import signing
from django.urls import reverse

from asks.models import ResponderLink

_SALT = "asks.responder"


def responder_token(link: ResponderLink) -> str:
    return signing.Signer(salt=_SALT).sign_object({"link": link.pk, "purpose": link.purpose})


def responder_path(link: ResponderLink) -> str:
    """The address in the email: signed, so it cannot be guessed from the id."""
    return reverse("asks:respond", kwargs={"token": responder_token(link)})


def responder_link_check(token: str) -> tuple[int, str] | None:
    """(the link's id, its purpose) for a link we made; None for one changed or not ours."""
    try:
        signed = signing.Signer(salt=_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):  # ValueError: signed, but not by this code.
        return None
    if not isinstance(signed, dict) or not isinstance(signed.get("link"), int):
        return None
    return signed["link"], signed.get("purpose", "")
