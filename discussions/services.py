"""Writes about discussions: starting and changing one, comments (add, reply, edit, withdraw, hide, show again),
following and muting, what each person has seen, and closing with an outcome.

The emails each step queues follow the one rule for who hears what (the preferences page states it): muting a
discussion wins over everything; otherwise the person's choice for each kind decides. So the emails go to the
people who should hear (never the person who did it, never anyone who muted the discussion), and the outbox's
delivery sends, holds for the digest, or skips each by the person's choice.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from actions.models import Action
from actions.services import action_create
from discussions.emails import COMMENT_HIDDEN, COMMENT_POSTED, THREAD_CLOSED, THREAD_STARTED, closed_occasion
from discussions.models import Comment, CommentVersion, Following, Seen, Thread, ThreadVersion
from meetings.models import AgendaItem, Meeting
from meetings.services import decision_record
from members.models import Membership, User
from notifications.services import messages_queue
from vision.models import Goal

CLOSED = "This discussion is closed, so it takes no new comments."


def _muted(thread: Thread):
    return Following.objects.filter(thread=thread, state=Following.State.MUTED).values("user_id")


def _members_to_tell(thread: Thread, by: User | None) -> list[User]:
    """Every current member of the discussion's Collaborative but `by` and anyone who muted it."""
    members = Membership.objects.current_in(thread.collaborative).exclude(user_id__in=_muted(thread))
    if by is not None:
        members = members.exclude(user_id=by.pk)
    return [membership.user for membership in members]


def _follow_unless_muted(user: User, thread: Thread) -> None:
    """Starting or commenting follows the discussion, unless the person muted it: muting wins."""
    Following.objects.get_or_create(user=user, thread=thread, defaults={"state": Following.State.FOLLOWING})


def _check_links(thread: Thread, agenda_item: AgendaItem | None, goal: Goal | None, action: Action | None) -> None:
    """What a discussion is about belongs to its Collaborative (the form offers only those the person sees)."""
    collaborative_id = thread.collaborative_id
    if agenda_item is not None and agenda_item.meeting.collaborative_id != collaborative_id:
        raise ValidationError({"agenda_item": "Choose an agenda item of this Collaborative."})
    if goal is not None and goal.collaborative_id != collaborative_id:
        raise ValidationError({"goal": "Choose a goal of this Collaborative."})
    if action is not None and action.collaborative_id != collaborative_id:
        raise ValidationError({"action": "Choose an action of this Collaborative."})


@transaction.atomic
def thread_start(
    *,
    collaborative,
    by: User,
    title: str,
    text: str,
    agenda_item: AgendaItem | None = None,
    goal: Goal | None = None,
    action: Action | None = None,
    now: datetime | None = None,
) -> Thread:
    """Start a discussion; whoever started it follows it, and every other member is told."""
    now = now or timezone.now()
    thread = Thread(
        collaborative=collaborative,
        title=title.strip(),
        text=text.strip(),
        started_by=by,
        agenda_item=agenda_item,
        goal=goal,
        action=action,
        created_at=now,
        last_activity_at=now,
    )
    thread.full_clean()
    _check_links(thread, agenda_item, goal, action)
    thread.save()
    _follow_unless_muted(by, thread)
    Seen.objects.create(user=by, thread=thread, seen_at=now)
    messages_queue(
        recipients=_members_to_tell(thread, by), collaborative=collaborative, kind=THREAD_STARTED, about=thread
    )
    return thread


@transaction.atomic
def thread_change(
    *,
    thread: Thread,
    by: User,
    title: str,
    text: str,
    agenda_item: AgendaItem | None = None,
    goal: Goal | None = None,
    action: Action | None = None,
) -> bool:
    """Change a discussion's words or what it is about; the earlier words are kept (ThreadVersion). False if
    nothing changed."""
    thread = Thread.objects.select_for_update().select_related("collaborative").get(pk=thread.pk)
    before = (thread.title, thread.text)
    links = (thread.agenda_item_id, thread.goal_id, thread.action_id)
    thread.title, thread.text = title.strip(), text.strip()
    thread.agenda_item, thread.goal, thread.action = agenda_item, goal, action
    if before == (thread.title, thread.text) and links == (thread.agenda_item_id, thread.goal_id, thread.action_id):
        return False
    thread.full_clean()
    _check_links(thread, agenda_item, goal, action)
    if before != (thread.title, thread.text):
        ThreadVersion.objects.create(thread=thread, title=before[0], text=before[1], saved_by=by)
    thread.save()
    return True


def _open_for_comments(thread: Thread) -> None:
    if not thread.is_open:
        raise ValidationError(CLOSED)


@transaction.atomic
def comment_add(
    *,
    thread: Thread,
    author: User,
    text: str,
    parent: Comment | None = None,
    by_email: bool = False,
    now: datetime | None = None,
) -> Comment:
    """Add a comment, or a reply to one (one level deep: a reply to a reply goes under the comment it answers).
    The author follows the discussion; its followers are told, but for the author and anyone who muted it.
    `now` is when it was written (the demo data writes comments in the past)."""
    thread = Thread.objects.select_for_update().select_related("collaborative").get(pk=thread.pk)
    _open_for_comments(thread)
    if not Membership.objects.current_in(thread.collaborative).filter(user_id=author.pk).exists():
        raise ValidationError("Only members of this Collaborative can comment.")
    if parent is not None:
        if parent.thread_id != thread.pk:
            raise ValidationError("Reply to a comment in this discussion.")
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
        # A reply shows under its comment: under one hidden or withdrawn it would answer words nobody sees.
        if not parent.is_shown:
            raise ValidationError("That comment was hidden or withdrawn, so it takes no replies.")
    now = now or timezone.now()
    comment = Comment(thread=thread, parent=parent, author=author, text=text.strip(), by_email=by_email, created_at=now)
    comment.full_clean()
    comment.save()
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=now, comment_count=F("comment_count") + 1)
    _follow_unless_muted(author, thread)
    Seen.objects.update_or_create(user=author, thread=thread, defaults={"seen_at": now})
    followers = (
        Following.objects.filter(thread=thread, state=Following.State.FOLLOWING, user__is_active=True)
        .exclude(user=author)
        .filter(user_id__in=Membership.objects.current_in(thread.collaborative).values("user_id"))
        .select_related("user")
    )
    recipients = [following.user for following in followers]
    if recipients:
        messages_queue(recipients=recipients, collaborative=thread.collaborative, kind=COMMENT_POSTED, about=comment)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, by: User, text: str) -> bool:
    """Change the words of one's own comment; the earlier words are kept (CommentVersion) and it shows "edited".
    False if nothing changed."""
    comment = Comment.objects.select_for_update().select_related("thread").get(pk=comment.pk)
    if comment.author_id != by.pk:
        raise ValidationError("Only whoever wrote a comment can change it.")
    if comment.status == Comment.Status.WITHDRAWN:
        raise ValidationError("This comment was withdrawn, so it can no longer be changed.")
    _open_for_comments(comment.thread)
    before, comment.text = comment.text, text.strip()
    if before == comment.text:
        return False
    comment.full_clean()
    now = timezone.now()
    CommentVersion.objects.create(comment=comment, text=before, saved_at=now)
    comment.edited_at = now
    comment.save(update_fields=["text", "edited_at"])
    return True


@transaction.atomic
def comment_withdraw(*, comment: Comment, by: User) -> Comment:
    """Take back one's own comment: its words and earlier versions go, a marker stays (and its replies)."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != by.pk:
        raise ValidationError("Only whoever wrote a comment can withdraw it.")
    if comment.status != Comment.Status.WITHDRAWN:
        comment.versions.all().delete()
        comment.status, comment.text, comment.withdrawn_at = Comment.Status.WITHDRAWN, "", timezone.now()
        comment.hidden_reason = ""
        comment.save(update_fields=["status", "text", "withdrawn_at", "hidden_reason"])
    return comment


@transaction.atomic
def comment_hide(*, comment: Comment, by: User, reason: str) -> Comment:
    """A facilitator hides a comment that breaks the ground rules. Its words are kept, shown to its author with
    the reason (and emailed to them); other members see that a facilitator hid it."""
    comment = Comment.objects.select_for_update().select_related("thread__collaborative").get(pk=comment.pk)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the comment is hidden: its author will read this."})
    if comment.status == Comment.Status.WITHDRAWN:
        raise ValidationError("This comment was withdrawn by its author: there is nothing to hide.")
    if comment.status == Comment.Status.HIDDEN:
        raise ValidationError("This comment is hidden already.")
    comment.status, comment.hidden_at, comment.hidden_by, comment.hidden_reason = (
        Comment.Status.HIDDEN,
        timezone.now(),
        by,
        reason,
    )
    comment.full_clean()
    comment.save(update_fields=["status", "hidden_at", "hidden_by", "hidden_reason"])
    if comment.author is not None and comment.author.is_active and comment.author_id != by.pk:
        messages_queue(
            recipients=[comment.author],
            collaborative=comment.thread.collaborative,
            kind=COMMENT_HIDDEN,
            about=comment,
            occasion=comment.hidden_at.isoformat(),
        )
    return comment


@transaction.atomic
def comment_show(*, comment: Comment, by: User) -> Comment:
    """A facilitator shows a hidden comment again. The reason it was hidden is kept, until it is hidden again."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.status != Comment.Status.HIDDEN:
        raise ValidationError("This comment is not hidden.")
    comment.status = Comment.Status.SHOWN
    comment.save(update_fields=["status"])
    return comment


def thread_follow(*, user: User, thread: Thread, state: str | None) -> None:
    """Follow (Following.State.FOLLOWING) or mute (MUTED) a discussion, or stop following it (None)."""
    if state is None:
        Following.objects.filter(user=user, thread=thread).delete()
        return
    if state not in Following.State.values:
        raise ValidationError("Choose to follow or to mute the discussion.")
    Following.objects.update_or_create(
        user=user, thread=thread, defaults={"state": state, "updated_at": timezone.now()}
    )


def thread_seen(*, user: User, thread: Thread, now: datetime | None = None) -> None:
    """The person has read the discussion as it is now: what comes later is unread."""
    Seen.objects.update_or_create(user=user, thread=thread, defaults={"seen_at": now or timezone.now()})


@transaction.atomic
def thread_close(
    *,
    thread: Thread,
    by: User,
    outcome: str,
    meeting: Meeting | None = None,
    action_owner: User | None = None,
    action_due_on: date | None = None,
    action_title: str = "",
    now: datetime | None = None,
) -> Thread:
    """A facilitator closes a discussion with what came of it, which can become a decision of `meeting`, or an
    action (owner, due date). Every member is told the outcome (but anyone who muted it)."""
    thread = Thread.objects.select_for_update().select_related("collaborative").get(pk=thread.pk)
    if not thread.is_open:
        raise ValidationError("This discussion is closed already.")
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError({"outcome": "Write what came of the discussion."})
    if meeting is not None:
        if meeting.collaborative_id != thread.collaborative_id:
            raise ValidationError({"meeting": "Choose a meeting of this Collaborative."})
        thread.outcome_decision = decision_record(meeting=meeting, by=by, text=outcome)
    if action_due_on is not None:
        title = (action_title or thread.title).strip()[:200]
        created = action_create(
            action=Action(
                collaborative=thread.collaborative,
                title=title,
                description=f"From the discussion “{thread.title}”: {outcome}"[:4000],
                owner=action_owner,
                due_on=action_due_on,
                goal=thread.goal,
            ),
            by=by,
        )
        thread.outcome_action = created
    now = now or timezone.now()
    thread.status, thread.outcome, thread.closed_at, thread.closed_by = Thread.Status.CLOSED, outcome, now, by
    thread.full_clean()
    thread.save()
    messages_queue(
        recipients=_members_to_tell(thread, by),
        collaborative=thread.collaborative,
        kind=THREAD_CLOSED,
        about=thread,
        occasion=closed_occasion(thread),
    )
    return thread


@transaction.atomic
def thread_reopen(*, thread: Thread, by: User) -> Thread:
    """A facilitator opens a closed discussion again; its outcome (and any decision or action made of it) stays
    on record until it is closed again."""
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.is_open:
        raise ValidationError("This discussion is open already.")
    thread.status, thread.closed_at = Thread.Status.OPEN, None
    thread.save(update_fields=["status", "closed_at"])
    return thread
