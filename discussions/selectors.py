"""Reads about discussions that the pages, the emails and the pages of apps below share."""

from dataclasses import dataclass

from django.db.models import BooleanField, Case, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.urls import reverse

from discussions.models import AllRead, Comment, Following, Seen, Thread
from members.models import Membership

LINKED_SHOWN = 5  # Discussions listed on an agenda item's meeting, a goal or an action; a link to all of them.


def threads_listed(membership: Membership, status: str = "", about: dict | None = None) -> QuerySet:
    """The Collaborative's discussions, newest activity first, each with `unread` for the viewer: its last activity
    is later than both when they last looked at it and when they last marked all as read. One query."""
    user = membership.user_id
    seen = Seen.objects.filter(user_id=user, thread=OuterRef("pk")).values("seen_at")[:1]
    all_read = AllRead.objects.filter(user_id=user, collaborative_id=membership.collaborative_id).values("at")[:1]
    threads = (
        Thread.objects.for_collaborative(membership.collaborative)
        .select_related("started_by")
        .only(
            "title",
            "status",
            "comment_count",
            "last_activity_at",
            "created_at",
            "collaborative_id",
            "started_by__display_name",
        )
        .annotate(seen_at=Subquery(seen), all_read_at=Subquery(all_read))
        .annotate(
            unread=Case(
                When(
                    Q(seen_at__gte=F("last_activity_at")) | Q(all_read_at__gte=F("last_activity_at")), then=Value(False)
                ),
                default=Value(True),
                output_field=BooleanField(),
            )
        )
    )
    if status in Thread.Status.values:
        threads = threads.filter(status=status)
    # What they are about: an agenda item of a meeting, a goal, an action (the links from those pages).
    about = about or {}
    if about.get("meeting"):
        threads = threads.filter(agenda_item__meeting_id=about["meeting"])
    if about.get("goal"):
        threads = threads.filter(goal_id=about["goal"])
    if about.get("action"):
        threads = threads.filter(action_id=about["action"])
    return threads


def top_comments(thread: Thread) -> QuerySet:
    """The discussion's comments (not replies), oldest first, with their authors and their replies in order."""
    replies = (
        Comment.objects.select_related("author")
        .only(*_COMMENT_FIELDS, "author__display_name")
        .order_by("created_at", "id")
    )
    return (
        Comment.objects.filter(thread=thread, parent__isnull=True)
        .select_related("author")
        .only(*_COMMENT_FIELDS, "author__display_name")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )


_COMMENT_FIELDS = (
    "thread_id",
    "parent_id",
    "author_id",
    "text",
    "status",
    "by_email",
    "created_at",
    "edited_at",
    "hidden_reason",
)


def following_state(user, thread: Thread) -> str:
    """ "following", "muted" or "" for the person and the discussion."""
    return Following.objects.filter(user=user, thread=thread).values_list("state", flat=True).first() or ""


@dataclass(frozen=True)
class Linked:
    """The discussions about something (an agenda item's meeting, a goal, an action): the latest few, and how many."""

    threads: list[Thread]
    count: int
    more_path: str  # The list of all the Collaborative's discussions.

    @property
    def more(self) -> int:
        return self.count - len(self.threads)


def _linked(threads: QuerySet, collaborative, about: str) -> Linked | None:
    found = list(threads.order_by("-last_activity_at", "-id")[:LINKED_SHOWN])
    if not found:
        return None
    for thread in found:
        thread.collaborative = collaborative  # For its address: read already with what it is about.
    count = len(found) if len(found) < LINKED_SHOWN else threads.count()
    return Linked(
        threads=found,
        count=count,
        more_path=f"{reverse('discussions:list', kwargs={'slug': collaborative.slug})}?{about}",
    )


def linked_to_meeting(meeting) -> Linked | None:
    """The discussions about the agenda items of a meeting (the same for every member: discussions are every
    member's, and the list names no agenda item)."""
    return _linked(Thread.objects.filter(agenda_item__meeting=meeting), meeting.collaborative, f"meeting={meeting.pk}")


def linked_to_goal(goal) -> Linked | None:
    return _linked(Thread.objects.filter(goal=goal), goal.collaborative, f"goal={goal.pk}")


def linked_to_action(action) -> Linked | None:
    return _linked(Thread.objects.filter(action=action), action.collaborative, f"action={action.pk}")
