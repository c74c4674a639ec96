"""The one-click answer links in the emails about a meeting: made here, and checked here.

The salt is this module's own: the access rule (collaborative.permissions.rsvp_link_for)
asks `rsvp_check` what a link says, and decides from that.
"""

from datetime import timedelta

from django.core import signing
from django.urls import reverse

from meetings.models import Meeting, Rsvp
from notifications.links import site_url

_SALT = "meetings.rsvp"
RSVP_LINK_MAX_AGE = timedelta(days=45)


def rsvp_token(meeting: Meeting, user, answer: str) -> str:
    return signing.dumps({"m": meeting.pk, "u": user.pk, "a": answer}, salt=_SALT, compress=True)


def rsvp_url(meeting: Meeting, user, answer: str) -> str:
    """The link that gives `answer` for the person, without signing in; valid for RSVP_LINK_MAX_AGE."""
    return site_url(reverse("meetings:rsvp_link", kwargs={"token": rsvp_token(meeting, user, answer)}))


def rsvp_check(token: str) -> tuple[int, int, str] | None:
    """(the meeting's id, the person's id, the answer) a link was signed for; None for one changed,
    expired or not ours."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=RSVP_LINK_MAX_AGE)
    except signing.BadSignature:  # An expired link too.
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(key), int) for key in ("m", "u")):
        return None
    if data.get("a") not in Rsvp.Answer.values:
        return None
    return data["m"], data["u"], data["a"]
