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
    # Given the message, more for its templates (one-click answer links for this person, say).
    context: Callable[[object], dict] | None = None
    # Who gets it gives something away (a reminder to answer a self-assessment goes only to
    # those who have not finished), so the facilitators' "Emails sent" page leaves this kind
    # out and says so in these words. The person still sees their own under "Emails sent to you".
    unlisted_for_facilitators: str = ""


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

MOVED_UP = Kind(
    key="moved_up",
    label="A place for you at a meeting",
    description="When you were on a meeting's waiting list and a place comes free.",
)

AGENDA_PUBLISHED = Kind(
    key="agenda_published",
    label="A meeting's agenda",
    description="When the facilitators publish the agenda of the next meeting.",
)


def _meeting_ics(message) -> list[tuple[str, bytes, str]]:
    from meetings.calendar import meeting_ics

    meeting = message.about
    return [(f"meeting-{meeting.local_start:%Y-%m-%d}.ics", meeting_ics(meeting), "text/calendar")]


def _why_not_remind(message) -> str:
    from meetings.services import reminder_skip_reason

    return reminder_skip_reason(message)


def _answer_links(message) -> dict:
    from meetings.services import rsvp_links

    return rsvp_links(message.about, message.recipient)


MEETING_REMINDER = Kind(
    key="meeting_reminder",
    label="Meeting reminders",
    description="A week and a day before each meeting (your facilitators choose when), unless you said you can't come.",
    attachments=_meeting_ics,
    skip_reason=_why_not_remind,
    context=_answer_links,
)

MEETING_SCHEDULED = Kind(
    key="meeting_scheduled",
    label="New meetings",
    description="When the facilitators set up a meeting, or a run of monthly meetings.",
)

MEETING_CHANGED = Kind(
    key="meeting_changed",
    label="Meeting changes",
    description="When a meeting's time, place or online link changes.",
    attachments=_meeting_ics,
    context=_answer_links,
)

MEETING_CANCELLED = Kind(
    key="meeting_cancelled",
    label="Cancelled meetings",
    description="When a meeting is cancelled.",
    attachments=_meeting_ics,
)

NOTES_PUBLISHED = Kind(
    key="notes_published",
    label="Meeting notes",
    description="When the notes and decisions of a meeting are published.",
)


def _why_not_ask(message) -> str:
    version = message.about
    if version is None:
        return "The draft no longer exists."
    return "" if version.is_draft else f"Version {version.number} is no longer a draft."


VISION_DRAFT = Kind(
    key="vision_draft",
    label="A draft vision to comment on",
    description="When the facilitators ask for ideas and comments on a new draft of the vision and values.",
    skip_reason=_why_not_ask,
)

VISION_ADOPTED = Kind(
    key="vision_adopted",
    label="A new vision adopted",
    description="When the Collaborative agrees a new version of its vision and values.",
)


def _why_not_review(message) -> str:
    goal = message.about
    if goal is None:
        return "The goal no longer exists."
    if goal.status != goal.Status.ACTIVE:
        return "The goal was achieved or retired before this email went."
    # The occasion is the review date the email was queued for (vision.services.goal_reviews_queue).
    if message.occasion != f"review-{goal.review_on.isoformat()}":
        return "The goal's review date moved; an email goes when the new date comes."
    return ""


GOAL_REVIEW_DUE = Kind(
    key="goal_review_due",
    label="Goals due for review (facilitators)",
    description="On the day a goal is due to be looked at again, so you can plan its review.",
    skip_reason=_why_not_review,
)


def _why_not_round(message) -> str:
    round = message.about
    if round is None:
        return "The self-assessment round no longer exists."
    return "" if round.is_open else "The self-assessment round has closed."


ROUND_OPENED = Kind(
    key="round_opened",
    label="Self-assessment rounds",
    description="When a self-assessment round opens and everyone is asked how the Collaborative is doing.",
    skip_reason=_why_not_round,
)

ROUND_CLOSING = Kind(
    key="round_closing",
    label="Self-assessment reminders",
    description="The day before a self-assessment round closes, if you have not answered every statement yet.",
    skip_reason=_why_not_round,
    unlisted_for_facilitators=(
        "Reminders to answer a self-assessment are not listed, so no one can tell who has answered."
    ),
)


def _why_not_follow_up(message) -> str:
    from actions.services import follow_up_skip_reason

    return follow_up_skip_reason(message)


def _why_not_assigned(message) -> str:
    action = message.about
    if action is None:
        return "The action no longer exists."
    return "" if action.owner_id == message.recipient_id else "Someone else owns the action now."


def _why_not_digest(message) -> str:
    meeting = message.about
    if meeting is None:
        return "The meeting no longer exists."
    return "The meeting was cancelled." if meeting.is_cancelled else ""


def _why_not_done(message) -> str:
    action = message.about
    if action is None:
        return "The action no longer exists."
    return "" if action.status == action.Status.DONE else "The action is no longer marked done."


def _actions_context(name: str) -> Callable[[object], dict]:
    def context(message) -> dict:
        from actions import emails

        return getattr(emails, name)(message)

    return context


ACTION_ASSIGNED = Kind(
    key="action_assigned",
    label="Actions given to you",
    description="When someone makes you the owner of an action.",
    skip_reason=_why_not_assigned,
    context=_actions_context("assigned_context"),
)

ACTION_FOLLOW_UP = Kind(
    key="action_follow_up",
    label="Reminders about your actions",
    description="3 days before an action you own is due, on the day, then every week while it is overdue.",
    skip_reason=_why_not_follow_up,
    context=_actions_context("follow_up_context"),
)

ACTIONS_DIGEST = Kind(
    key="actions_digest",
    label="Actions to review before a meeting (facilitators)",
    description="3 days before each meeting: actions due, overdue or changed since the last meeting.",
    skip_reason=_why_not_digest,
    context=_actions_context("digest_context"),
)

ACTIONS_SUMMARY = Kind(
    key="actions_summary",
    label="Monthly summary of the action log (commissioners)",
    description="On the first of each month: how many actions are open, blocked, done and overdue.",
    context=_actions_context("summary_context"),
)

YOU_SAID_WE_DID = Kind(
    key="you_said_we_did",
    label="You said, we did",
    description="When an action that came from an agenda item you proposed is done.",
    skip_reason=_why_not_done,
    context=_actions_context("done_context"),
)

KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in [
        WELCOME,
        INVITATION,
        JOIN_APPROVED,
        JOIN_DECLINED,
        JOIN_REQUESTED,
        MOVED_UP,
        AGENDA_PUBLISHED,
        MEETING_REMINDER,
        MEETING_SCHEDULED,
        MEETING_CHANGED,
        MEETING_CANCELLED,
        NOTES_PUBLISHED,
        VISION_DRAFT,
        VISION_ADOPTED,
        GOAL_REVIEW_DUE,
        ROUND_OPENED,
        ROUND_CLOSING,
        ACTION_ASSIGNED,
        ACTION_FOLLOW_UP,
        ACTIONS_DIGEST,
        ACTIONS_SUMMARY,
        YOU_SAID_WE_DID,
    ]
}
# The kinds members choose to get or not, on their preferences page.
MEMBER_KINDS: dict[str, Kind] = {key: kind for key, kind in KINDS.items() if not kind.to_address}


def unlisted_for_facilitators() -> list[Kind]:
    """The kinds the facilitators' list of emails sent leaves out, because who got them gives something away."""
    return [kind for kind in KINDS.values() if kind.unlisted_for_facilitators]


def listed_kind_choices() -> list[tuple[str, str]]:
    """The kinds that list can be filtered by: all the others."""
    return [(kind.key, kind.label) for kind in KINDS.values() if not kind.unlisted_for_facilitators]
