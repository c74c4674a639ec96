"""The emails about meetings: registered with notifications in MeetingsConfig.ready()."""

from meetings.calendar import meeting_ics
from meetings.links import rsvp_url
from meetings.models import Rsvp
from notifications.kinds import Kind

MOVED_UP = Kind(
    key="moved_up",
    label="A place for you at a meeting",
    description="When you were on a meeting's waiting list and a place comes free.",
)


def _agenda_changed(message) -> dict:
    """Whether the agenda was sent before: then the email says plainly that this one replaces it."""
    return {"changed": message.occasion.startswith("agenda-changed-")}


AGENDA_PUBLISHED = Kind(
    key="agenda_published",
    label="A meeting's agenda",
    description="When the facilitators publish the agenda of the next meeting.",
    context=_agenda_changed,
)


def agenda_item_decided_skip_reason(message) -> str:
    """Why the news of an agenda item's fate should not go after all: it has changed again since."""
    item = message.about
    if item is None:
        return "The agenda item no longer exists."
    if message.occasion != f"decided-{item.status}":
        return "The facilitators have decided otherwise since."
    return ""


AGENDA_ITEM_DECIDED = Kind(
    key="agenda_item_decided",
    label="Your agenda items",
    description="When the facilitators put an item you proposed on a meeting's agenda, or say why not.",
    skip_reason=agenda_item_decided_skip_reason,
)


def _meeting_ics(message) -> list[tuple[str, bytes, str]]:
    meeting = message.about
    return [(f"meeting-{meeting.local_start:%Y-%m-%d}.ics", meeting_ics(meeting), "text/calendar")]


def _meeting_gone(meeting) -> str:
    """Why an email asking about a meeting is of no use any more (deleted or cancelled), or ""."""
    if meeting is None:
        return "The meeting no longer exists."
    if meeting.is_cancelled:
        return "The meeting was cancelled."
    return ""


def reminder_skip_reason(message) -> str:
    """Why a queued reminder should not go after all."""
    meeting = message.about
    if gone := _meeting_gone(meeting):
        return gone
    if not message.occasion.endswith(f"{meeting.starts_at:%Y%m%dT%H%M}"):
        return "The meeting moved; a reminder for the new time goes instead."
    if meeting.has_started:
        return "The meeting had already started."
    if Rsvp.objects.filter(meeting=meeting, user_id=message.recipient_id, answer=Rsvp.Answer.NOT_COMING).exists():
        return "They said they can't come."
    return ""


def rsvp_links(meeting, user) -> dict:
    """One-click answer links for this person (signed, expiring), for the emails about a meeting."""
    if user is None:
        return {}
    return {"rsvp_links": [(label, rsvp_url(meeting, user, value)) for value, label in Rsvp.Answer.choices]}


def _answer_links(message) -> dict:
    return rsvp_links(message.about, message.recipient)


MEETING_REMINDER = Kind(
    key="meeting_reminder",
    label="Meeting reminders",
    description="A week and a day before each meeting (your facilitators choose when), unless you said you can't come.",
    attachments=_meeting_ics,
    skip_reason=reminder_skip_reason,
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


def rsvp_asked_skip_reason(message) -> str:
    """Why "Are you coming?" should not go after all: nothing to ask any more."""
    meeting = message.about
    if gone := _meeting_gone(meeting):
        return gone
    if meeting.has_started:
        return "The meeting had already started."
    if Rsvp.objects.filter(meeting=meeting, user_id=message.recipient_id).exists():
        return "They had said by then."
    return ""


RSVP_ASKED = Kind(
    key="rsvp_asked",
    label="Are you coming?",
    description="When the facilitators ask those who have not said whether they are coming to a meeting.",
    skip_reason=rsvp_asked_skip_reason,
    context=_answer_links,
)


KINDS = [
    MOVED_UP,
    RSVP_ASKED,
    AGENDA_PUBLISHED,
    AGENDA_ITEM_DECIDED,
    MEETING_REMINDER,
    MEETING_SCHEDULED,
    MEETING_CHANGED,
    MEETING_CANCELLED,
    NOTES_PUBLISHED,
]
