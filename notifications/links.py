"""Links in emails: the site's own addresses, and the signed link that turns one kind of email off.

The salt is this module's own: the access rule (collaborative.permissions.unsubscribe_for)
asks `unsubscribe_check` what a link says, and decides from that.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from notifications.kinds import Kind

_SALT = "notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = timedelta(days=90)


def site_url(path: str) -> str:
    """The full address of a page of the site, for an email or a spreadsheet."""
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(user, kind: Kind) -> str:
    return signing.dumps({"u": user.pk, "k": kind.key}, salt=_SALT, compress=True)


def unsubscribe_url(user, kind: Kind) -> str:
    """The one-click link that stops `kind` of email for the person, valid for UNSUBSCRIBE_MAX_AGE."""
    return site_url(reverse("notifications:unsubscribe", args=[unsubscribe_token(user, kind)]))


def unsubscribe_check(token: str) -> tuple[int, str] | None:
    """(the person's id, the kind's key) a link was signed for; None for one changed, expired or not ours."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too.
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        return None
    return data["u"], data["k"]
