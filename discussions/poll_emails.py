"""The emails about polls (registered with notifications in DiscussionsConfig.ready()); discussions/polls.py
queues them, and beat's scan (discussions/tasks.py) the reminders.

To every member but whoever opened it: a poll opened (not a quick poll in a meeting: those it is for are in the
room). To the members who have not voted, once, 24 hours before it closes: a reminder. To whoever opened it,
when it closes: write the outcome. To every member but whoever wrote it: the outcome.

The three sent to every member may wait for the person's digest (`digestible`), grouped under the poll
(`poll:<id>`). Each goes stale when its news does: a poll withdrawn or closed before "it is open" or "it closes
soon" went out, a reminder to someone who has voted since, an outcome corrected since (the new one goes).
"""

from django.utils import timezone

from discussions.models import Poll, Vote
from notifications.kinds import DigestItem, Kind


def outcome_occasion(poll: Poll) -> str:
    """One outcome email per wording: a corrected outcome is sent again, and the earlier email goes stale."""
    return f"outcome-{poll.outcome_at:%Y%m%dT%H%M%S.%f}"


def _poll_gone(poll: Poll) -> str:
    if poll.withdrawn_at is not None:
        return "The poll was withdrawn."
    if poll.closed_at is not None or poll.closes_at <= timezone.now():
        return "The poll had closed by then."
    return ""


def _context(message) -> dict:
    poll = message.about
    zone = message.collaborative.zone
    return {
        "poll": poll,
        "closes_at": poll.closes_at.astimezone(zone),
        "names_shown": not poll.anonymous,
    }


def _item(message, text: str, at) -> DigestItem | None:
    poll = message.about
    if poll is None:
        return None
    return DigestItem(group=f"poll:{poll.pk}", title=poll.question, path=poll.get_absolute_url(), text=text, at=at)


def opened_skip_reason(message) -> str:
    return _poll_gone(message.about) if message.about is not None else ""


def opened_item(message) -> DigestItem | None:
    poll = message.about
    if poll is None or _poll_gone(poll):
        return None
    closes = poll.closes_at.astimezone(message.collaborative.zone)
    return _item(message, f"A new poll, open until {closes:%A %-d %B, %H:%M}.", poll.opened_at)


POLL_OPENED = Kind(
    key="poll_opened",
    label="A poll or proposal opened",
    description="A new poll or proposal members can vote in, and until when.",
    skip_reason=opened_skip_reason,
    context=_context,
    digestible=True,
    digest_default=True,
    digest_item=opened_item,
)


def closing_soon_skip_reason(message) -> str:
    poll = message.about
    if poll is None:
        return ""
    if reason := _poll_gone(poll):
        return reason
    if Vote.objects.filter(poll=poll, user_id=message.recipient_id).exists():
        return "They had voted by then."
    return ""


def closing_soon_item(message) -> DigestItem | None:
    poll = message.about
    if poll is None or closing_soon_skip_reason(message):
        return None
    closes = poll.closes_at.astimezone(message.collaborative.zone)
    return _item(message, f"Closes {closes:%A %-d %B, %H:%M}, and you have not voted.", message.due_at)


POLL_CLOSING_SOON = Kind(
    key="poll_closing_soon",
    label="A poll closing soon that you have not voted in",
    description="A day before a poll closes, if you have not voted yet.",
    skip_reason=closing_soon_skip_reason,
    context=_context,
    # Who gets it tells who has not voted: in an anonymous poll, no one else may know.
    unlisted_for_facilitators="Reminders to vote go only to those who have not voted, so who got one is not listed.",
    # A reminder kept for a weekly digest could arrive after the poll closed: at once, unless chosen otherwise.
    digestible=True,
    digest_default=False,
    digest_item=closing_soon_item,
)


def closed_skip_reason(message) -> str:
    poll = message.about
    if poll is not None and poll.outcome:
        return "The outcome had been written by then."
    return ""


POLL_CLOSED = Kind(
    key="poll_closed",
    label="A poll you opened has closed",
    description="When a poll you opened closes: its results, and a link to write what came of it.",
    skip_reason=closed_skip_reason,
    context=_context,
)


def outcome_skip_reason(message) -> str:
    poll = message.about
    if poll is not None and poll.outcome_at is not None and message.occasion != outcome_occasion(poll):
        return "The outcome was corrected since; that email goes instead."
    return ""


def outcome_item(message) -> DigestItem | None:
    poll = message.about
    if poll is None or outcome_skip_reason(message) or not poll.outcome:
        return None
    return _item(message, f"The outcome: {poll.outcome[:200]}", poll.outcome_at)


POLL_OUTCOME = Kind(
    key="poll_outcome",
    label="What came of a poll or proposal",
    description="When a poll has closed and its outcome is written.",
    skip_reason=outcome_skip_reason,
    context=_context,
    digestible=True,
    digest_item=outcome_item,
)

KINDS = [POLL_OPENED, POLL_CLOSING_SOON, POLL_CLOSED, POLL_OUTCOME]
