"""The emails about joining a Collaborative: registered with notifications in MembersConfig.ready()."""

from members.links import invitation_path
from notifications.digest import digest_context, digest_skip_reason
from notifications.kinds import Kind
from notifications.links import site_url

# Each kind's `skip_reason` says when its news has gone stale by the time the worker gets to it
# (after an outage, say), in a plain sentence shown on "Emails sent to you".

# A welcome is never stale while the person is a member, and delivery itself skips the emails of
# anyone who is no longer one.
WELCOME = Kind(
    key="welcome",
    label="Welcome to a Collaborative",
    description="When you join a Collaborative: what it is and how to take part.",
)


def _why_not_invite(message) -> str:
    return message.about.why_not_send() if message.about is not None else "The invitation no longer exists."


def _invitation_link(invitation) -> dict:
    return {"invitation_url": site_url(invitation_path(invitation))} if invitation is not None else {}


def _invitation_context(message) -> dict:
    return _invitation_link(message.about)


INVITATION = Kind(
    key="invitation",
    label="Invitation to join",
    description="A facilitator invites someone to join, with a link to accept.",
    to_address=True,
    skip_reason=_why_not_invite,
    context=_invitation_context,
)


def _why_not_answer(message) -> str:
    join_request = message.about
    if join_request is None:
        return "The request to join no longer exists."
    return join_request.invitation.why_not_send() if join_request.invitation_id else ""


def _answer_context(message) -> dict:
    join_request = message.about
    return _invitation_link(join_request.invitation if join_request is not None else None)


JOIN_APPROVED = Kind(
    key="join_approved",
    label="Request to join accepted",
    description="Someone who asked to join is told yes, with a link to join.",
    to_address=True,
    skip_reason=_why_not_answer,
    context=_answer_context,
)

# A decision on a request to join is final, so a "no" cannot go stale.
JOIN_DECLINED = Kind(
    key="join_declined",
    label="Request to join declined",
    description="Someone who asked to join is told no, with the facilitator's reason.",
    to_address=True,
)


def _why_not_ask_facilitators(message) -> str:
    """ "Someone asked to join" is stale once another facilitator has answered the request."""
    join_request = message.about
    if join_request is None:
        return "The request to join no longer exists."
    if join_request.status != join_request.Status.PENDING:
        return f"The request had already been answered ({join_request.get_status_display().lower()})."
    return ""


JOIN_REQUESTED = Kind(
    key="join_requested",
    label="Someone asked to join (facilitators)",
    description="When someone asks to join through the public page, so you can reply.",
    audience="facilitator",
    skip_reason=_why_not_ask_facilitators,
)

# One a day or a week for each member who kept emails for it (notifications/digest.py), about their membership.
DIGEST = Kind(
    key="digest",
    label="Your digest",
    description="One email that gathers what you chose to get in your digest, at the time you pick below.",
    gathers=True,
    skip_reason=digest_skip_reason,
    context=digest_context,
)

KINDS = [WELCOME, INVITATION, JOIN_APPROVED, JOIN_DECLINED, JOIN_REQUESTED, DIGEST]
