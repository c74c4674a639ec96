"""The emails about meetings: registered with notifications in MeetingsConfig.ready()."""

from datetime import UTC, datetime

from django.utils import timezone

from meetings.calendar import meeting_ics
from meetings.links import rsvp_url
from meetings.models import Decision, NotesRevision, Rsvp
from notifications.kinds import DigestItem, Kind

# Each kind's `skip_reason` says when its news has gone stale by the time the worker gets to it
# (after an outage, say): the meeting moved, was cancelled or has passed, or a newer email of the
# same kind went after it. The reasons are shown to the person on "Emails sent to you", and to
# facilitators on the list of emails sent, so they are plain sentences about the thing itself.


def stamp(moment: datetime) -> str:
    """A moment as written in an occasion ("agenda-20260312101500123456"): which publishing an email is about."""
    return f"{moment:%Y%m%d%H%M%S%f}"


def _meeting_gone(meeting) -> str:
    """Why an email asking about a meeting is of no use any more (deleted or cancelled), or ""."""
    if meeting is None:
        return "The meeting no longer exists."
    if meeting.is_cancelled:
        return "The meeting was cancelled."
    return ""


def _meeting_over(meeting) -> str:
    """As _meeting_gone, and also once the meeting has started: news for before it is too late."""
    if gone := _meeting_gone(meeting):
        return gone
    return "The meeting had already started." if meeting.has_started else ""


def moved_up_skip_reason(message) -> str:
    """ "A place for you" is stale once the meeting is over or the person no longer wants (or has) the place."""
    meeting = message.about
    if over := _meeting_over(meeting):
        return over
    rsvp = Rsvp.objects.filter(meeting=meeting, user_id=message.recipient_id).first()
    if rsvp is None or rsvp.answer != Rsvp.Answer.COMING or rsvp.waiting:
        return "The answer for this meeting changed since the place came free."
    return ""


MOVED_UP = Kind(
    key="moved_up",
    label="A place for you at a meeting",
    description="When you were on a meeting's waiting list and a place comes free.",
    skip_reason=moved_up_skip_reason,
)


def _agenda_changed(message) -> dict:
    """Whether the agenda was sent before: then the email says plainly that this one replaces it."""
    return {"changed": message.occasion.startswith("agenda-changed-")}


def agenda_published_skip_reason(message) -> str:
    """An agenda is stale once the meeting is over, or once a newer publishing of it has gone out instead."""
    meeting = message.about
    if over := _meeting_over(meeting):
        return over
    published = meeting.agenda_published_at
    if published is None or stamp(published) not in message.occasion:
        return "The agenda was published again since; that email goes instead."
    return ""


def _meeting_line(message, skip_reason, text: str) -> DigestItem | None:
    """A digest's line about a meeting, under the meeting; None once the news is stale (`skip_reason` says so)."""
    if skip_reason(message):
        return None
    meeting = message.about
    return DigestItem(
        group=f"meeting:{meeting.pk}",
        title=str(meeting),
        path=meeting.get_absolute_url(),
        text=text,
        at=message.due_at,
    )


def agenda_digest_item(message) -> DigestItem | None:
    changed = message.occasion.startswith("agenda-changed-")
    return _meeting_line(
        message,
        agenda_published_skip_reason,
        "The agenda has changed." if changed else "The agenda is ready: say whether you are coming.",
    )


AGENDA_PUBLISHED = Kind(
    key="agenda_published",
    label="A meeting's agenda",
    description="When the facilitators publish the agenda of the next meeting.",
    context=_agenda_changed,
    skip_reason=agenda_published_skip_reason,
    digestible=True,
    digest_item=agenda_digest_item,
)


def agenda_item_decided_skip_reason(message) -> str:
    """Why the news of an agenda item's fate should not go after all: it has changed again since,
    or its meeting was cancelled (the proposer hears of that in its own email)."""
    item = message.about
    if item is None:
        return "The agenda item no longer exists."
    if message.occasion != f"decided-{item.status}":
        return "The facilitators have decided otherwise since."
    if item.meeting.is_cancelled:
        return "The meeting was cancelled."
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
        return 'The answer for this meeting was "can\'t come".'
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


def scheduled_skip_reason(message) -> str:
    """A new meeting (or a run of them) is stale news once it is cancelled or has started; for a
    run, once none of its meetings is still to come. Its email shows the details as they are now,
    so a change since is no reason to hold it back."""
    about = message.about
    if about is None:
        return "The meeting no longer exists."
    if hasattr(about, "is_cancelled"):
        return _meeting_over(about)
    if not about.meetings.scheduled().filter(starts_at__gt=timezone.now()).exists():
        return "None of these meetings is still to come."
    return ""


MEETING_SCHEDULED = Kind(
    key="meeting_scheduled",
    label="New meetings",
    description="When the facilitators set up a meeting, or a run of monthly meetings.",
    skip_reason=scheduled_skip_reason,
)


def changed_skip_reason(message) -> str:
    """A change is stale once the meeting is over, or changed again: the later email goes instead."""
    meeting = message.about
    if over := _meeting_over(meeting):
        return over
    if message.occasion != f"changed-{meeting.sequence}":
        return "The meeting changed again since; that email goes instead."
    return ""


MEETING_CHANGED = Kind(
    key="meeting_changed",
    label="Meeting changes",
    description="When a meeting's time, place or online link changes.",
    attachments=_meeting_ics,
    skip_reason=changed_skip_reason,
    context=_answer_links,
)


def cancelled_skip_reason(message) -> str:
    """Word of a cancellation is no use once the meeting's time has come."""
    meeting = message.about
    if meeting is None:
        return "The meeting no longer exists."
    if not meeting.is_cancelled:
        return "The meeting is no longer cancelled."
    return "The meeting's time had already come." if meeting.has_started else ""


MEETING_CANCELLED = Kind(
    key="meeting_cancelled",
    label="Cancelled meetings",
    description="When a meeting is cancelled.",
    attachments=_meeting_ics,
    skip_reason=cancelled_skip_reason,
)


def notes_occasion(published_at: datetime, earlier: datetime | None) -> str:
    """The occasion of the email about publishing notes: the first time, or corrections since `earlier`."""
    if earlier is None:
        return f"notes-{stamp(published_at)}"
    return f"corrected-{stamp(published_at)}-{stamp(earlier)}"


def notes_skip_reason(message) -> str:
    """Notes are stale once corrections have been published since: that email goes instead."""
    meeting = message.about
    if meeting is None:
        return "The meeting no longer exists."
    # A correction's occasion also names the publishing before it, which is never the latest.
    published = meeting.notes_published_at
    if published is None or stamp(published) not in message.occasion.split("-")[1]:
        return "Corrected notes were published since; that email goes instead."
    return ""


def notes_context(message) -> dict:
    """For corrections: that they are, and what changed since the notes were published before."""
    if not message.occasion.startswith("corrected-"):
        return {"corrected": False}
    meeting = message.about
    _, now, before = message.occasion.split("-")
    since, until = (datetime.strptime(moment, "%Y%m%d%H%M%S%f").replace(tzinfo=UTC) for moment in (before, now))
    revised = NotesRevision.objects.filter(meeting=meeting, edited_at__gt=since, edited_at__lte=until)
    changed = []
    if revised.filter(agenda_item=None).exists():
        changed.append("the general notes")
    for title in (
        revised.exclude(agenda_item=None).order_by("agenda_item__position").values_list("agenda_item__title", flat=True)
    ):
        if f'the notes on "{title}"' not in changed:
            changed.append(f'the notes on "{title}"')
    decisions = Decision.objects.filter(meeting=meeting)
    added = list(decisions.filter(recorded_at__gt=since, recorded_at__lte=until, withdrawn_at=None))
    withdrawn = list(decisions.filter(withdrawn_at__gt=since, withdrawn_at__lte=until, recorded_at__lte=since))
    return {"corrected": True, "changed": changed, "decisions_added": added, "decisions_withdrawn": withdrawn}


def notes_digest_item(message) -> DigestItem | None:
    corrected = message.occasion.startswith("corrected-")
    return _meeting_line(
        message,
        notes_skip_reason,
        "Corrections to the notes were published." if corrected else "The notes and decisions were published.",
    )


NOTES_PUBLISHED = Kind(
    key="notes_published",
    label="Meeting notes",
    description="When the notes and decisions of a meeting are published, and when corrections to them are.",
    skip_reason=notes_skip_reason,
    context=notes_context,
    digestible=True,
    digest_item=notes_digest_item,
)


def rsvp_asked_skip_reason(message) -> str:
    """Why "Are you coming?" should not go after all: nothing to ask any more."""
    meeting = message.about
    if gone := _meeting_gone(meeting):
        return gone
    if meeting.has_started:
        return "The meeting had already started."
    if Rsvp.objects.filter(meeting=meeting, user_id=message.recipient_id).exists():
        return "An answer had been given by then."
    return ""


RSVP_ASKED = Kind(
    key="rsvp_asked",
    label="Are you coming?",
    description="When the facilitators ask those who have not said whether they are coming to a meeting.",
    skip_reason=rsvp_asked_skip_reason,
    context=_answer_links,
)


def check_in_skip_reason(message) -> str:
    """ "Someone would like a check-in" is of no use once a facilitator has checked in, or the request is gone."""
    check_in = message.about
    if check_in is None:
        return "The request for a check-in no longer exists."
    if check_in.is_answered:
        return "A facilitator had checked in already."
    return ""


CHECK_IN_ASKED = Kind(
    key="check_in_asked",
    label="Someone would like a check-in (facilitators)",
    description="When someone who came to a meeting asks for someone to check in with them afterwards.",
    audience="facilitator",
    skip_reason=check_in_skip_reason,
    # Who asked is for the facilitators only, on the page of check-ins: not in the list of emails sent.
    unlisted_for_facilitators="Requests for a check-in are private: they are on the Check-ins page.",
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
    CHECK_IN_ASKED,
]
