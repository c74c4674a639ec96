"""What is new for a person since they last looked: discussions with activity they have not seen, and open polls
they have not voted in. For the Collaborative's home page ("New since you last looked") and the count beside
"Discussions" in its navigation, in a fixed number of queries however many there are.

A discussion is unread when its last activity is later than both the person's last look at it (Seen) and their
"Mark all as read" in the Collaborative (AllRead), unless they muted it. A poll is unread while it is open,
they have no vote in it, and it opened after their "Mark all as read".
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from discussions.models import AllRead, Following, Poll, Seen, Thread, Vote
from members.models import Collaborative, Membership
from notifications.links import site_url

# The home page lists at most this many of each; the count says how many there are.
SHOWN = 5


def unread_threads(user, collaborative_ref):
    """The discussions with activity the person has not seen, newest activity first. `collaborative_ref` is a
    Collaborative or an OuterRef to one."""
    seen = Seen.objects.filter(user=user, thread=OuterRef("pk"), seen_at__gte=OuterRef("last_activity_at"))
    read_all = AllRead.objects.filter(
        user=user, collaborative=OuterRef("collaborative"), at__gte=OuterRef("last_activity_at")
    )
    muted = Following.objects.filter(user=user, thread=OuterRef("pk"), state=Following.State.MUTED)
    return Thread.objects.filter(collaborative=collaborative_ref).exclude(
        Exists(seen) | Exists(read_all) | Exists(muted)
    )


def unread_polls(user, collaborative_ref, now: datetime | None = None):
    """The open polls the person has not voted in, newest first (those before "Mark all as read" left out)."""
    voted = Vote.objects.filter(poll=OuterRef("pk"), user=user, replaced_at__isnull=True)
    read_all = AllRead.objects.filter(user=user, collaborative=OuterRef("collaborative"), at__gte=OuterRef("opened_at"))
    return (
        Poll.objects.open(now)
        .filter(collaborative=collaborative_ref, withdrawn_at__isnull=True)
        .exclude(Exists(voted) | Exists(read_all))
    )


def _count(queryset) -> Subquery:
    return Coalesce(
        Subquery(queryset.order_by().values("collaborative").annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def unread_counts(user, slug: str) -> tuple[int, int]:
    """(unread discussions, polls to vote in) in the Collaborative named `slug`, for a member of it; (0, 0) for
    anyone else. One query, read once a request (kept on `user`, as its memberships are)."""
    kept = getattr(user, "_unread_counts", None)
    if kept is None:
        kept = user._unread_counts = {}
    if slug not in kept:
        found = (
            Collaborative.objects.filter(
                slug=slug,
                memberships__user=user,
                memberships__status=Membership.Status.ACTIVE,
            )
            .annotate(
                unread_threads=_count(unread_threads(user, OuterRef("pk"))),
                unread_polls=_count(unread_polls(user, OuterRef("pk"))),
            )
            .values_list("unread_threads", "unread_polls")
            .first()
        )
        kept[slug] = found or (0, 0)
    return kept[slug]


@dataclass
class Unread:
    """What the home page's "New since you last looked" shows: a few of each, and how many there are."""

    threads: list = field(default_factory=list)
    polls: list = field(default_factory=list)
    thread_count: int = 0
    poll_count: int = 0

    @property
    def more_threads(self) -> int:
        return self.thread_count - len(self.threads)

    @property
    def more_polls(self) -> int:
        return self.poll_count - len(self.polls)


def unread_for(membership: Membership) -> Unread:
    """The person's unread discussions and polls in their Collaborative: three queries at most, one if nothing."""
    user, collaborative = membership.user, membership.collaborative
    thread_count, poll_count = unread_counts(user, collaborative.slug)
    threads, polls = [], []
    if thread_count:
        threads = list(unread_threads(user, collaborative).order_by("-last_activity_at", "-id")[:SHOWN])
    if poll_count:
        polls = list(unread_polls(user, collaborative).order_by("closes_at", "id")[:SHOWN])
    for found in (*threads, *polls):
        found.collaborative = collaborative  # Their links name it: no query each.
    return Unread(threads=threads, polls=polls, thread_count=thread_count, poll_count=poll_count)


def all_read_mark(*, user, collaborative: Collaborative, now: datetime | None = None) -> AllRead:
    """ "Mark all as read": nothing in the Collaborative before now is unread for the person."""
    marked, _ = AllRead.objects.update_or_create(
        user=user, collaborative=collaborative, defaults={"at": now or timezone.now()}
    )
    return marked


def read_all_url(collaborative: Collaborative) -> str:
    return reverse("discussions:read_all", kwargs={"slug": collaborative.slug})


def digest_link(message) -> tuple[str, str]:
    """ "Mark all as read", at the foot of every digest (notifications.digest.register_link)."""
    return "Mark all as read", site_url(read_all_url(message.collaborative))


def discussions_url(slug: str) -> str:
    """The list of a Collaborative's discussions, for its navigation."""
    return reverse("discussions:list", kwargs={"slug": slug})
