"""The emails about discussions (registered with notifications in DiscussionsConfig.ready()); discussions/services.py
queues them.

A new discussion, a new comment and a discussion's outcome may wait for the person's digest (each person chooses,
per kind, "each time", "in my digest" or "off"); a hidden comment's reason goes to its author at once. Each says
when it has gone stale: a comment withdrawn or hidden before the email went, an outcome of a discussion opened
again since, a comment shown again; and none goes to someone who has muted the discussion since.
"""

from django.utils.text import Truncator

from discussions.links import reply_to_for_thread
from discussions.models import Comment, Following, Thread
from notifications.kinds import DigestItem, Kind

MUTED = "You muted the discussion."


def closed_occasion(thread: Thread) -> str:
    """What a closing's email is about: this closing (a discussion opened again and closed again is news again)."""
    return thread.closed_at.isoformat() if thread.closed_at else ""


def _muted_by_recipient(message, thread: Thread) -> bool:
    return (
        message.recipient_id is not None
        and Following.objects.filter(user_id=message.recipient_id, thread=thread, state=Following.State.MUTED).exists()
    )


def _short(text: str, words: int = 30) -> str:
    return Truncator(" ".join(text.split())).words(words)


def _name(user) -> str:
    return (user.display_name if user else "") or "A former member"


# A new discussion.


def thread_started_skip_reason(message) -> str:
    thread = message.about
    if thread is None:
        return ""
    return MUTED if _muted_by_recipient(message, thread) else ""


def thread_started_item(message) -> DigestItem | None:
    thread = message.about
    if thread is None:
        return None
    return DigestItem(
        group=f"thread:{thread.pk}",
        title=thread.title,
        path=thread.get_absolute_url(),
        text=f"{_name(thread.started_by)} started this discussion: {_short(thread.text)}",
        at=thread.created_at,
    )


THREAD_STARTED = Kind(
    key="thread_started",
    label="A new discussion",
    description="When a member starts a discussion in your Collaborative.",
    skip_reason=thread_started_skip_reason,
    digestible=True,
    digest_default=True,
    digest_item=thread_started_item,
    # Replying to the email adds a comment as the person (discussions/inbound.py).
    reply_to=reply_to_for_thread,
)


# A new comment, to the discussion's followers.


def comment_posted_skip_reason(message) -> str:
    comment = message.about
    if comment is None:
        return ""
    if comment.status == Comment.Status.WITHDRAWN:
        return "The comment was withdrawn by its author."
    if comment.status == Comment.Status.HIDDEN:
        return "A facilitator hid the comment."
    return MUTED if _muted_by_recipient(message, comment.thread) else ""


def comment_posted_item(message) -> DigestItem | None:
    comment = message.about
    if comment is None or not comment.is_shown:
        return None
    thread = comment.thread
    return DigestItem(
        group=f"thread:{thread.pk}",
        title=thread.title,
        path=comment.get_absolute_url(),
        text=f"{_name(comment.author)}{' replied' if comment.parent_id else ''}: {_short(comment.text)}",
        at=comment.created_at,
    )


COMMENT_POSTED = Kind(
    key="comment_posted",
    label="New comments in discussions you follow",
    description="When someone comments in a discussion you started, commented in or chose to follow.",
    skip_reason=comment_posted_skip_reason,
    digestible=True,
    digest_default=False,
    digest_item=comment_posted_item,
    reply_to=reply_to_for_thread,
)


# A discussion closed, with what came of it, to every member.


def thread_closed_skip_reason(message) -> str:
    thread = message.about
    if thread is None:
        return ""
    if thread.is_open or closed_occasion(thread) != message.occasion:
        return "The discussion was opened again since."
    return MUTED if _muted_by_recipient(message, thread) else ""


def thread_closed_item(message) -> DigestItem | None:
    thread = message.about
    if thread is None or thread.is_open or closed_occasion(thread) != message.occasion:
        return None
    return DigestItem(
        group=f"thread:{thread.pk}",
        title=thread.title,
        path=thread.get_absolute_url(),
        text=f"Closed. What came of it: {_short(thread.outcome)}",
        at=thread.closed_at,
    )


THREAD_CLOSED = Kind(
    key="thread_closed",
    label="What came of a discussion",
    description="When a facilitator closes a discussion and writes what came of it.",
    skip_reason=thread_closed_skip_reason,
    digestible=True,
    digest_item=thread_closed_item,
)


# A comment hidden by a facilitator, to its author, with the reason.


def comment_hidden_skip_reason(message) -> str:
    comment = message.about
    if comment is None:
        return ""
    if comment.status != Comment.Status.HIDDEN or comment.hidden_at.isoformat() != message.occasion:
        return "A facilitator showed the comment again since."
    return ""


COMMENT_HIDDEN = Kind(
    key="comment_hidden",
    label="A comment of yours hidden by a facilitator",
    description="When a facilitator hides a comment of yours that breaks the ground rules, and why.",
    skip_reason=comment_hidden_skip_reason,
)

KINDS = [THREAD_STARTED, COMMENT_POSTED, THREAD_CLOSED, COMMENT_HIDDEN]
