"""The kinds of email the application sends.

Each later part of the application registers its kinds here: the preferences page, the
unsubscribe links and the templates all follow this list. A kind's templates live in
templates/notifications/email/<key>_subject.txt, <key>.txt and <key>.html.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    description: str
    # Digests collect several things into one email; members choose how often.
    digest: bool = False
    # Files to attach, e.g. a meeting's calendar invitation: (filename, content, mimetype).
    attachments: Callable[[object], list[tuple[str, str | bytes, str]]] | None = None
    # Sent to an email address rather than a member (an invitation, say): the person may
    # have no account, so there are no preferences and no unsubscribe link.
    to_address: bool = False
    # Given the message, a reason not to send it after all (the invitation was
    # withdrawn before the worker got to it), or "".
    skip_reason: Callable[[object], str] | None = None


class Frequency:
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    CHOICES = [(DAILY, "Every day"), (WEEKLY, "Every week"), (MONTHLY, "Every month")]


WELCOME = Kind(
    key="welcome",
    label="Welcome to a Collaborative",
    description="When you join a Collaborative: what it is and how to take part.",
)


def _why_not_invite(message) -> str:
    return message.about.why_not_send() if message.about is not None else "The invitation no longer exists."


INVITATION = Kind(
    key="invitation",
    label="Invitation to join",
    description="A facilitator invites someone to join, with a link to accept.",
    to_address=True,
    skip_reason=_why_not_invite,
)


def _why_not_answer(message) -> str:
    join_request = message.about
    if join_request is None:
        return "The request to join no longer exists."
    return join_request.invitation.why_not_send() if join_request.invitation_id else ""


JOIN_APPROVED = Kind(
    key="join_approved",
    label="Request to join accepted",
    description="Someone who asked to join is told yes, with a link to join.",
    to_address=True,
    skip_reason=_why_not_answer,
)

JOIN_DECLINED = Kind(
    key="join_declined",
    label="Request to join declined",
    description="Someone who asked to join is told no, with the facilitator's reason.",
    to_address=True,
)

JOIN_REQUESTED = Kind(
    key="join_requested",
    label="Someone asked to join (facilitators)",
    description="When someone asks to join through the public page, so you can reply.",
)

KINDS: dict[str, Kind] = {
    kind.key: kind for kind in [WELCOME, INVITATION, JOIN_APPROVED, JOIN_DECLINED, JOIN_REQUESTED]
}
# The kinds members choose to get or not, on their preferences page.
MEMBER_KINDS: dict[str, Kind] = {key: kind for key, kind in KINDS.items() if not kind.to_address}


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.key, kind.label) for kind in KINDS.values()]
