"""Reads about actions that views, emails and other apps share."""

import operator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import reduce

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from actions.follow_ups import DUE_SOON_DAYS
from actions.forms import SORTS, log_owners, log_statuses
from actions.models import Action, ActionUpdate, ReviewRound
from collaborative.views import addresses
from meetings.models import Meeting
from members.models import Collaborative, Membership, User

MY_ACTIONS = 10  # How many of "My actions" the home page shows.


LATEST_UPDATE = {"text": "text", "at": "created_at", "link": "link", "id": "pk", "file": "file_name"}


def with_latest_update(actions: QuerySet, *shown: str) -> QuerySet:
    """The actions, each with its latest update's text, time, link, id and file name (or only those `shown`:
    "text", "at", "link", "id", "file"), as `latest_update_<name>`."""
    latest = ActionUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-id")
    return actions.annotate(
        **{
            f"latest_update_{name}": Subquery(latest.values(field)[:1])
            for name, field in LATEST_UPDATE.items()
            if not shown or name in shown
        }
    )


def filtered_actions(collaborative: Collaborative, filters: dict, today: date) -> QuerySet:
    """The Collaborative's actions narrowed by the log's filters, in the chosen order."""
    actions = Action.objects.filter(collaborative=collaborative)
    if query := filters.get("q", "").strip():
        actions = actions.filter(
            Q(title__icontains=query) | Q(description__icontains=query) | Q(organisation__icontains=query)
        )
    # With no status chosen, only the live actions (actions.forms.log_statuses).
    if len(statuses := log_statuses(filters)) < len(Action.Status.values):
        actions = actions.filter(status__in=statuses)
    if day := filters.get("done_from"):  # From midnight that day, where the Collaborative is.
        actions = actions.filter(done_at__gte=datetime.combine(day, time(), tzinfo=collaborative.zone))
    if filters.get("overdue"):
        actions = actions.overdue(today)
    if meeting := filters.get("arising"):
        actions = actions.filter(arising_filter(meeting)[0])
    for field in ("owner", "goal", "key_role", "meeting"):
        if value := filters.get(field):
            actions = actions.filter(**{field: value})
    if name := filters.get("owner_name", "").strip():
        actions = actions.filter(owner__display_name__icontains=name)
    if organisation := filters.get("organisation"):
        actions = actions.filter(organisation=organisation)
    if name := filters.get("organisation_name", "").strip():
        actions = actions.filter(organisation__icontains=name)
    if start := filters.get("due_from"):
        actions = actions.filter(due_on__gte=start)
    if end := filters.get("due_to"):
        actions = actions.filter(due_on__lte=end)
    return actions.order_by(*SORTS.get(filters.get("sort") or "due", SORTS["due"]))


@dataclass(frozen=True)
class Accountability:
    """For commissioners and facilitators on the home page: how many actions are overdue, blocked and done this
    month (since `month_start`, the first of the month where the Collaborative is). Each is what the action log
    shows at its link: `?overdue=on`, `?status=blocked`, `?status=done&done_from=<month_start>`."""

    overdue: int
    blocked: int
    done: int
    month_start: date


def accountability(collaborative: Collaborative, today: date) -> Accountability:
    """The counts of the home page's "Accountability" card, in one query, as the log's filters find them."""
    month_start = today.replace(day=1)
    # As the log's "done since" (filtered_actions): from midnight on the 1st, where the Collaborative is.
    since = datetime.combine(month_start, time(), tzinfo=collaborative.zone)
    counts = Action.objects.filter(collaborative=collaborative).aggregate(
        overdue=Count("id", filter=Q(status__in=Action.LIVE, due_on__lt=today)),  # As ActionQuerySet.overdue.
        blocked=Count("id", filter=Q(status=Action.Status.BLOCKED)),
        done=Count("id", filter=Q(status=Action.Status.DONE, done_at__gte=since)),
    )
    return Accountability(**counts, month_start=month_start)


def owners_named(collaborative: Collaborative, text: str, limit: int) -> list[User]:
    """Up to `limit` of the people the log can be filtered by whose names hold `text`, current members first."""
    return list(log_owners(collaborative).filter(display_name__icontains=text)[:limit])


def organisations_named(collaborative: Collaborative, text: str, limit: int) -> list[str]:
    """Up to `limit` of the lead organisations named on the Collaborative's actions that hold `text`, A to Z."""
    return list(
        Action.objects.filter(collaborative=collaborative, organisation__icontains=text)
        .values_list("organisation", flat=True)
        .distinct()
        .order_by("organisation")[:limit]
    )


# A review takes in the actions finished since the review before it was signed off; without one, those finished
# in about the three months before it began.
REVIEW_LOOKBACK = timedelta(days=92)


def review_finished_since(collaborative: Collaborative, opened_at: datetime) -> tuple[datetime, ReviewRound | None]:
    """From when a review begun at `opened_at` takes in actions done or dropped: when the last review signed off
    before it was (that review is the second value), or with none, REVIEW_LOOKBACK before it began (and None)."""
    last = collaborative.review_rounds.filter(signed_off_at__lte=opened_at).order_by("-signed_off_at", "-id").first()
    return (last.signed_off_at if last else opened_at - REVIEW_LOOKBACK), last


@dataclass(frozen=True)
class MyActions:
    """The first of a member's live actions, and whether they have more."""

    actions: list[Action]
    more: bool


def my_actions(membership: Membership) -> MyActions:
    """The member's live actions for the home page, overdue first, each marked `overdue` and `mine` (owned)."""
    collaborative = membership.collaborative
    today = collaborative.local_today()
    mine = list(
        Action.objects.live()
        .filter(collaborative=collaborative)
        .for_member(membership.user_id)
        .order_by("due_on", "id")[: MY_ACTIONS + 1]
    )
    for action in mine:
        action.collaborative = collaborative  # For its address, without a query for each.
        action.overdue = action.is_overdue(today)
        action.mine = action.owner_id == membership.user_id
    return MyActions(actions=mine[:MY_ACTIONS], more=len(mine) > MY_ACTIONS)


@dataclass(frozen=True)
class ActionsDue:
    """How many of a member's own live actions are overdue, and how many are due in the next few days."""

    overdue: int
    soon: int
    soon_days: int = DUE_SOON_DAYS


def actions_due(membership: Membership) -> ActionsDue:
    """For "Things to do" on the home page: the live actions the member owns that are overdue or due within
    DUE_SOON_DAYS (when the owner is reminded by email), counted in one query."""
    today = membership.collaborative.local_today()
    counts = (
        Action.objects.live()
        .filter(collaborative=membership.collaborative, owner=membership.user_id)
        .aggregate(
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=today + timedelta(days=DUE_SOON_DAYS))),
        )
    )
    return ActionsDue(overdue=counts["overdue"], soon=counts["soon"])


# How many matters arising, and actions from a meeting, its page, its printed agenda and the digest list;
# the counts say how many there are in all, and the action log, filtered to them, has every one.
MEETING_ACTIONS_SHOWN = 20
# What those lists show of each action (on the page, the printed agenda and the digest): only these are read.
STATUS_LABELS = dict(Action.Status.choices)
SHOWN_FIELDS = ("collaborative_id", "title", "status", "status_reason", "due_on", "owner__display_name")


def arising_filter(meeting: Meeting) -> tuple[Q, Meeting | None]:
    """Which of the Collaborative's actions are a meeting's "matters arising" (due by it, or changed since the
    meeting before it, and not recorded at it), and the meeting before it (None: the month before is used)."""
    previous = (
        Meeting.objects.filter(collaborative=meeting.collaborative, starts_at__lt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-starts_at")
        .first()
    )
    since = previous.starts_at if previous else meeting.starts_at - timedelta(days=31)
    due_by = meeting.local_start.date()
    arising = (
        Q(updated_at__gte=since, updated_at__lt=meeting.starts_at) | Q(status__in=Action.LIVE, due_on__lte=due_by)
    ) & ~Q(meeting=meeting)
    return arising, previous


@dataclass(frozen=True)
class ArisingKind:
    """One kind of matter arising: how many there are, and those of them among the most pressing shown."""

    key: str  # "overdue", "due" (by the meeting) or "changed" (since the meeting before)
    count: int
    actions: list[Action]

    @property
    def more(self) -> int:
        """How many of this kind are not shown."""
        return self.count - len(self.actions)


@dataclass(frozen=True)
class MeetingActions:
    """A meeting's actions, the first few of each list and how many there are: those it created (in the order they
    were recorded), and its "matters arising" since the meeting before (`since`), most pressing first and by kind."""

    created: list[Action]
    created_count: int
    arising: list[Action]
    arising_count: int
    kinds: list[ArisingKind]  # Overdue, due by the meeting, changed since the meeting before: in that order.
    since: Meeting | None

    @property
    def created_more(self) -> bool:
        return self.created_count > len(self.created)

    @property
    def arising_more(self) -> bool:
        return self.arising_count > len(self.arising)


# How many matters arising a meeting has, in parts that do not overlap, each a range of one index (migration
# 0005): live actions overdue and due by the meeting; due by it and not yet overdue; overdue after a past
# meeting's day and changed since the meeting before (none for a meeting to come); the others changed since
# then. And how many actions were recorded at the meeting. Matters arising are never the meeting's own actions.
# Plain SQL: built by the ORM, these five counts took longer to put together than to run.
_LIVE = f"status IN ({', '.join(['%s'] * len(Action.LIVE))})"
_OTHERS = "collaborative_id = %s AND (meeting_id IS NULL OR meeting_id <> %s)"
_ARISING_COUNTS = f"""
    SELECT
        (SELECT COUNT(*) FROM actions_action WHERE {_OTHERS} AND {_LIVE} AND due_on <= %s),
        (SELECT COUNT(*) FROM actions_action WHERE {_OTHERS} AND {_LIVE} AND due_on >= %s AND due_on <= %s),
        (SELECT COUNT(*) FROM actions_action WHERE {_OTHERS} AND {_LIVE} AND due_on > %s AND due_on < %s
            AND updated_at >= %s AND updated_at < %s),
        (SELECT COUNT(*) FROM actions_action WHERE {_OTHERS} AND updated_at >= %s AND updated_at < %s
            AND NOT ({_LIVE} AND due_on <= %s)),
        (SELECT COUNT(*) FROM actions_action WHERE meeting_id = %s)
"""


def _arising_counts(meeting: Meeting, *, today: date, since: datetime, due_by: date) -> dict[str, int]:
    ops = connection.ops
    overdue_to, today, due_by = map(ops.adapt_datefield_value, (min(due_by, today - timedelta(days=1)), today, due_by))
    since, start = map(ops.adapt_datetimefield_value, (since, meeting.starts_at))
    others = [meeting.collaborative_id, meeting.pk]
    params = [*others, *Action.LIVE, overdue_to]
    params += [*others, *Action.LIVE, today, due_by]
    params += [*others, *Action.LIVE, due_by, today, since, start]
    params += [*others, since, start, *Action.LIVE, due_by]
    params += [meeting.pk]
    with connection.cursor() as cursor:
        cursor.execute(_ARISING_COUNTS, params)
        row = cursor.fetchone()
    return dict(zip(("overdue_by", "due", "overdue_after", "changed_only", "created"), row, strict=True))


def meeting_actions(meeting: Meeting, today: date | None = None) -> MeetingActions:
    """For a meeting's page, its printed agenda and the facilitators' digest (which says what `today` is).

    Three queries however many actions there are: the meeting before, the counts, and the most pressing
    matters arising with the first actions recorded at the meeting (none when there are none to list). A large
    Collaborative's matters arising are thousands of actions, so they are counted from two indexes alone
    (migration 0005): the live actions by due date, and all of them by when they last changed. The most
    pressing are read in the order shown from the same indexes, a kind only when the kinds before it leave room.
    """
    collaborative = meeting.collaborative
    today = today or collaborative.local_today()
    # The same matters arising as the action log's filter (see arising_filter), in parts that indexes find.
    _, previous = arising_filter(meeting)
    since = previous.starts_at if previous else meeting.starts_at - timedelta(days=31)
    due_by = meeting.local_start.date()
    counts = _arising_counts(meeting, today=today, since=since, due_by=due_by)
    changed = Q(updated_at__gte=since, updated_at__lt=meeting.starts_at)
    live = Q(status__in=Action.LIVE)
    overdue = live & Q(due_on__lt=today)
    # Overdue ones are those due by the meeting, and for a meeting in the past, those due after it that changed.
    overdue_arising = overdue & (changed | Q(due_on__lte=due_by))
    due = live & Q(due_on__gte=today, due_on__lte=due_by)
    changed_only = changed & ~(live & Q(due_on__lte=due_by)) & ~overdue
    arising_count = counts["overdue_by"] + counts["due"] + counts["changed_only"]
    overdue_count = counts["overdue_by"] + counts["overdue_after"]
    by_kind = (overdue_count, counts["due"], arising_count - overdue_count - counts["due"])
    kinds_of = (overdue_arising, due, changed_only)
    # Each kind's first few, in the order shown, as many as the kinds before it leave room for; and the first
    # actions recorded at the meeting. All read in one query.
    actions = Action.objects.filter(collaborative=collaborative).exclude(meeting=meeting)
    room, firsts = MEETING_ACTIONS_SHOWN, []
    for count, kind in zip(by_kind, kinds_of, strict=True):
        if room and count:
            firsts.append(actions.filter(kind).order_by("due_on", "id").values("pk")[:room])
            room -= min(room, count)
    if counts["created"]:
        recorded = Action.objects.filter(meeting=meeting)
        firsts.append(recorded.order_by("id").values("pk")[:MEETING_ACTIONS_SHOWN])
    listed = []
    if firsts:
        if len(firsts) == 1:
            chosen = Q(pk__in=firsts[0])
        elif connection.features.supports_slicing_ordering_in_compound:
            chosen = Q(pk__in=firsts[0].union(*firsts[1:], all=True))
        else:  # SQLite: each list's first few on its own.
            chosen = reduce(operator.or_, (Q(pk__in=first) for first in firsts))
        listed = list(Action.objects.filter(chosen).select_related("owner").only(*SHOWN_FIELDS, "meeting_id"))
    created = sorted((action for action in listed if action.meeting_id == meeting.pk), key=lambda action: action.pk)
    pressing = [action for action in listed if action.meeting_id != meeting.pk]
    for action in pressing:
        action.kind = 0 if action.is_overdue(today) else 1 if action.is_live and action.due_on <= due_by else 2
    pressing.sort(key=lambda action: (action.kind, action.due_on, action.pk))
    address = addresses("actions:detail", slug=collaborative.slug)
    for action in (*pressing, *created):
        action.collaborative = collaborative  # For its address, without a join for each.
        action.url = address(action.pk)
        action.status_label = STATUS_LABELS[action.status]  # get_status_display builds its dictionary each time.
        action.overdue = action.is_overdue(today)
    if previous:
        previous.collaborative = collaborative  # For its date on the Collaborative's clocks.
    kinds = [
        ArisingKind(key, count, [action for action in pressing if action.kind == rank])
        for rank, (key, count) in enumerate(zip(("overdue", "due", "changed"), by_kind, strict=True))
    ]
    return MeetingActions(
        created=created,
        created_count=counts["created"],
        arising=pressing,
        arising_count=arising_count,
        kinds=kinds,
        since=previous,
    )
