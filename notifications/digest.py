"""The digest: one email per person per Collaborative that gathers the messages held for it.

Delivery (notifications/delivery.py) holds a message of a digestible kind when the person chose "in my
digest" for it (Message.Status.HELD). Beat runs `digests_gather` every minute: for each person with held
messages in a Collaborative whose digest time has come there (their DigestSchedule, on the
Collaborative's clocks), it makes the digest email and marks exactly those messages as gathered by it, in
one transaction. The digest is about the person's Membership, with the period as its occasion ("2026-12-07"
or "2026-W50"), so the outbox's unique key makes it once a period; a held message is gathered by a
conditional update (`digest IS NULL`), so no two scans or workers ever put it in two digests.

When the worker writes the digest it asks each gathered message's kind for its line (`Kind.digest_item`),
drops those with nothing left to say (or that its kind would no longer send: a discussion muted since, say),
and groups the rest by what they are about, newest first. The kind of the digest email is declared by an app
(`Kind.gathers`); apps above add links to it (`register_link`), such as "Mark all as read".
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from members.models import Collaborative, Membership
from notifications.kinds import DigestItem, UnknownKind, digest_kind, kind_named
from notifications.links import site_url
from notifications.models import DigestSchedule, Message

# A digest shows at most this many things (discussions, meetings, actions…), each with at most this many lines.
GROUPS_SHOWN = 20
LINES_SHOWN = 5
NOTHING_LEFT = "Nothing left to tell you: everything it would have listed was withdrawn or has changed since."

# Links apps add at the foot of every digest: given the digest message, (words, full address) or None.
_links: list[Callable[[Message], tuple[str, str] | None]] = []


def register_link(make: Callable[[Message], tuple[str, str] | None]) -> None:
    """Add a link to the foot of every digest (an app's AppConfig.ready(); the same function twice changes nothing)."""
    if make not in _links:
        _links.append(make)


def digest_period(schedule: DigestSchedule, collaborative: Collaborative, now: datetime) -> tuple[str, datetime]:
    """(the period's name, the moment its digest is due) for the latest digest time at or before `now`, on the
    Collaborative's clocks: "2026-12-07" for a daily digest, "2026-W50" for a weekly one."""
    today = collaborative.local_today(now)
    if schedule.frequency == DigestSchedule.Frequency.WEEKLY:
        day = today - timedelta(days=(today.weekday() - schedule.weekday) % 7)
        step = timedelta(days=7)
    else:
        day, step = today, timedelta(days=1)
    moment = datetime.combine(day, schedule.send_at, tzinfo=ZoneInfo(collaborative.time_zone))
    if moment > now:
        day -= step
        moment = datetime.combine(day, schedule.send_at, tzinfo=ZoneInfo(collaborative.time_zone))
    if schedule.frequency == DigestSchedule.Frequency.WEEKLY:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}", moment
    return day.isoformat(), moment


def digests_gather(*, now: datetime | None = None, dispatch: Callable[[], object] | None = None) -> int:
    """Beat's scan: make the digest of each person whose digest time has come in a Collaborative where
    messages are held for them. Returns how many digests were made.

    `dispatch()` queues the outbox's scan, to send them at once (tasks.py passes one); without it, beat's
    minute scan sends them."""
    kind = digest_kind()
    if kind is None:
        return 0
    now = now or timezone.now()
    # The held messages not yet gathered have an index of their own: this reads only them.
    pairs = list(
        Message.objects.filter(status=Message.Status.HELD, digest__isnull=True)
        .order_by()
        .values_list("recipient_id", "collaborative_id")
        .distinct()
    )
    if not pairs:
        return 0
    people = {user_id for user_id, _ in pairs}
    schedules = {s.user_id: s for s in DigestSchedule.objects.filter(user_id__in=people)}
    collaboratives = Collaborative.objects.in_bulk({collaborative_id for _, collaborative_id in pairs})
    memberships = {
        (m.user_id, m.collaborative_id): m
        for m in Membership.objects.filter(user_id__in=people, collaborative_id__in=collaboratives)
    }
    about_type = ContentType.objects.get_for_model(Membership)
    made = 0
    for user_id, collaborative_id in pairs:
        membership = memberships.get((user_id, collaborative_id))
        if membership is None:
            continue
        schedule = schedules.get(user_id) or DigestSchedule(user_id=user_id)
        occasion, moment = digest_period(schedule, collaboratives[collaborative_id], now)
        made += _digest_make(kind.key, membership, about_type, occasion, moment, now)
    if made and dispatch is not None:
        transaction.on_commit(dispatch, robust=True)
    return made


@transaction.atomic
def _digest_make(key: str, membership: Membership, about_type, occasion: str, moment: datetime, now) -> int:
    """Make one person's digest for a period and gather into it what was held for them by its moment; 1 if made.

    Messages held after the period's digest was made wait for the next one (their moment is later)."""
    held = Message.objects.filter(
        recipient_id=membership.user_id,
        collaborative_id=membership.collaborative_id,
        status=Message.Status.HELD,
        digest__isnull=True,
        due_at__lte=moment,
    )
    if not held.exists():
        return 0
    digest, created = Message.objects.get_or_create(
        recipient_id=membership.user_id,
        kind=key,
        about_type=about_type,
        about_id=membership.pk,
        occasion=occasion,
        defaults={"collaborative_id": membership.collaborative_id, "due_at": now},
    )
    if not created:
        return 0
    # Only rows still not gathered: another scan that got there first has them, and this digest goes unmade.
    if not held.update(digest=digest):
        transaction.set_rollback(True)
        return 0
    return 1


@dataclass
class DigestGroup:
    """The lines about one thing, under its title, newest first."""

    title: str
    url: str
    lines: list[DigestItem] = field(default_factory=list)
    more: int = 0


@dataclass
class DigestContents:
    groups: list[DigestGroup]
    more_groups: int
    count: int


def digest_contents(message: Message) -> DigestContents:
    """What a digest lists: its gathered messages' lines that still say something, grouped by what they are
    about, the group with the newest line first, each group's lines newest first, each group once; at most
    GROUPS_SHOWN groups of LINES_SHOWN lines. Worked out once per message (skip_reason and context share it)."""
    found = getattr(message, "_digest_contents", None)
    if found is not None:
        return found
    items = []
    gathered = message.gathered.select_related("collaborative", "recipient").prefetch_related("about")
    for held in gathered:
        try:
            kind = kind_named(held.kind)
        except UnknownKind:
            continue
        # What would stop the email going now stops its line too: a discussion muted since it was kept, say
        # (muting wins over everything), or news gone stale.
        if kind.skip_reason is not None and kind.skip_reason(held):
            continue
        if kind.digest_item is not None and (item := kind.digest_item(held)) is not None:
            items.append(item)
    items.sort(key=lambda item: item.at, reverse=True)
    groups: dict[str, DigestGroup] = {}
    for item in items:
        group = groups.setdefault(item.group, DigestGroup(title=item.title, url=site_url(item.path)))
        if len(group.lines) < LINES_SHOWN:
            group.lines.append(item)
        else:
            group.more += 1
    ordered = list(groups.values())
    found = DigestContents(
        groups=ordered[:GROUPS_SHOWN], more_groups=max(0, len(ordered) - GROUPS_SHOWN), count=len(items)
    )
    message._digest_contents = found
    return found


def digest_skip_reason(message: Message) -> str:
    """A digest whose every line has gone stale is not sent."""
    return "" if digest_contents(message).count else NOTHING_LEFT


def digest_context(message: Message) -> dict:
    """The digest's groups for its templates, the links apps add, and where to change how often it comes."""
    contents = digest_contents(message)
    return {
        "groups": contents.groups,
        "more_groups": contents.more_groups,
        "count": contents.count,
        "links": [link for make in _links if (link := make(message)) is not None],
        "schedule_url": site_url(reverse("notifications:preferences")) + "#digest",
    }
