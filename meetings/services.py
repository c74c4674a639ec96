import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from meetings.emails import (
    AGENDA_ITEM_DECIDED,
    AGENDA_PUBLISHED,
    CHECK_IN_ASKED,
    MEETING_CANCELLED,
    MEETING_CHANGED,
    MEETING_REMINDER,
    MEETING_SCHEDULED,
    MOVED_UP,
    NOTES_PUBLISHED,
    RSVP_ASKED,
    notes_occasion,
)
from meetings.hooks import register_marked
from meetings.models import (
    AgendaItem,
    AgendaItemChange,
    Attendance,
    CalendarFeed,
    CheckInRequest,
    Decision,
    Format,
    Meeting,
    MeetingSeries,
    NotesRevision,
    Rsvp,
    RsvpChange,
    Venue,
    new_feed_token,
)
from members.models import Collaborative, Membership, User
from notifications.kinds import Kind
from notifications.models import Preference
from notifications.services import messages_queue, tell_once

MAX_SERIES_MONTHS = 24


def local_moment(day: date, at: time, time_zone: str) -> datetime:
    """The moment a wall-clock time happens on a day in a place, or a clear error on a clocks-change gap."""
    moment = datetime.combine(day, at, tzinfo=ZoneInfo(time_zone))
    # A time skipped when the clocks go forward (01:30 on the last Sunday of March in
    # London) comes back changed from a trip through UTC.
    if moment.astimezone(UTC).astimezone(ZoneInfo(time_zone)).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise ValidationError(
            f"{at:%H:%M} does not happen on {day:%-d %B %Y}: the clocks go forward then. Choose another time."
        )
    return moment


def nth_weekday(year: int, month: int, week: int, weekday: int) -> date:
    """The first, second ... or last (-1) given weekday of a month, e.g. the second Thursday."""
    days = [day for day in calendar.Calendar().itermonthdates(year, month) if day.month == month]
    matching = [day for day in days if day.weekday() == weekday]
    return matching[-1] if week == -1 else matching[week - 1]


def series_dates(*, first_month: date, months: int, week: int, weekday: int) -> list[date]:
    """The meeting days of a monthly series, starting in the month of `first_month`."""
    dates = []
    year, month = first_month.year, first_month.month
    for _ in range(months):
        dates.append(nth_weekday(year, month, week, weekday))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dates


def _check_place(*, collaborative: Collaborative, format: str, venue: Venue | None, online_link: str) -> None:
    if format != Format.ONLINE and venue is None:
        raise ValidationError({"venue": "Choose where people meet in person."})
    if format != Format.IN_PERSON and not online_link:
        raise ValidationError({"online_link": "Give the link people use to join online."})
    if venue is not None and venue.collaborative_id != collaborative.pk:
        raise ValidationError({"venue": "Choose one of this Collaborative's venues."})


def _meeting(
    *,
    collaborative: Collaborative,
    by: User,
    day: date,
    start: time,
    end: time,
    title: str,
    format: str,
    venue: Venue | None,
    online_link: str,
    notes_for_members: str,
    series: MeetingSeries | None = None,
) -> Meeting:
    if end <= start:
        raise ValidationError({"end_time": "The meeting must end after it starts."})
    meeting = Meeting(
        collaborative=collaborative,
        series=series,
        title=title or "Monthly meeting",
        starts_at=local_moment(day, start, collaborative.time_zone),
        ends_at=local_moment(day, end, collaborative.time_zone),
        format=format,
        venue=venue if format != Format.ONLINE else None,
        online_link=online_link if format != Format.IN_PERSON else "",
        notes_for_members=notes_for_members,
        created_by=by,
    )
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def meeting_schedule(
    *,
    collaborative: Collaborative,
    by: User,
    day: date,
    start: time,
    end: time,
    title: str = "",
    format: str = Format.IN_PERSON,
    venue: Venue | None = None,
    online_link: str = "",
    notes_for_members: str = "",
) -> Meeting:
    """Schedule one meeting."""
    _check_place(collaborative=collaborative, format=format, venue=venue, online_link=online_link)
    meeting = _meeting(
        collaborative=collaborative,
        by=by,
        day=day,
        start=start,
        end=end,
        title=title,
        format=format,
        venue=venue,
        online_link=online_link,
        notes_for_members=notes_for_members,
    )
    _tell_members(collaborative, MEETING_SCHEDULED, meeting, "scheduled")
    return meeting


@transaction.atomic
def series_schedule(
    *,
    collaborative: Collaborative,
    by: User,
    week: int,
    weekday: int,
    first_month: date,
    months: int,
    start: time,
    end: time,
    title: str = "",
    format: str = Format.IN_PERSON,
    venue: Venue | None = None,
    online_link: str = "",
    notes_for_members: str = "",
    now: datetime | None = None,
) -> list[Meeting]:
    """Schedule a monthly series ("the second Thursday, 10:00 to 12:30, for 12 months").

    Each meeting is its own row, so one can later be moved or cancelled without touching
    the others. Days already past are left out. Times are the Collaborative's wall-clock
    times, so a 10:00 meeting stays at 10:00 on both sides of a clocks change.
    """
    if not 1 <= months <= MAX_SERIES_MONTHS:
        raise ValidationError({"months": f"Choose between 1 and {MAX_SERIES_MONTHS} months."})
    _check_place(collaborative=collaborative, format=format, venue=venue, online_link=online_link)
    series = MeetingSeries(collaborative=collaborative, week=week, weekday=weekday, created_by=by)
    series.full_clean()
    series.save()
    now = now or timezone.now()
    meetings = []
    for day in series_dates(first_month=first_month, months=months, week=week, weekday=weekday):
        if local_moment(day, start, collaborative.time_zone) <= now:
            continue
        meetings.append(
            _meeting(
                collaborative=collaborative,
                by=by,
                day=day,
                start=start,
                end=end,
                title=title,
                format=format,
                venue=venue,
                online_link=online_link,
                notes_for_members=notes_for_members,
                series=series,
            )
        )
    if not meetings:
        raise ValidationError("All of those days have already passed. Choose a later first month.")
    _tell_members(collaborative, MEETING_SCHEDULED, series, "scheduled")
    return meetings


# Changes to these fields move the meeting in people's calendars.
CALENDAR_FIELDS = ["title", "starts_at", "ends_at", "format", "venue_id", "online_link", "status"]


@transaction.atomic
def meeting_change(
    *,
    meeting: Meeting,
    by: User,
    day: date,
    start: time,
    end: time,
    title: str,
    format: str,
    venue: Venue | None,
    online_link: str,
    notes_for_members: str,
) -> Meeting:
    """Change one meeting (its series' other meetings stay as they are)."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("collaborative", "venue").get(pk=meeting.pk)
    )
    if meeting.is_cancelled:
        raise ValidationError("This meeting is cancelled. Schedule a new one instead.")
    if meeting.is_past:
        raise ValidationError("This meeting has already happened, so it can no longer be changed.")
    if end <= start:
        raise ValidationError({"end_time": "The meeting must end after it starts."})
    _check_place(collaborative=meeting.collaborative, format=format, venue=venue, online_link=online_link)
    before = {field: getattr(meeting, field) for field in CALENDAR_FIELDS}
    zone = meeting.collaborative.time_zone
    meeting.starts_at, meeting.ends_at = local_moment(day, start, zone), local_moment(day, end, zone)
    meeting.title = title or "Monthly meeting"
    meeting.format = format
    meeting.venue = venue if format != Format.ONLINE else None
    meeting.online_link = online_link if format != Format.IN_PERSON else ""
    meeting.notes_for_members = notes_for_members
    moved = any(getattr(meeting, field) != value for field, value in before.items())
    if moved:
        meeting.sequence += 1
    meeting.updated_at = timezone.now()
    meeting.full_clean()
    meeting.save()
    if moved:
        _tell_members(meeting.collaborative, MEETING_CHANGED, meeting, f"changed-{meeting.sequence}")
    # A bigger room (or none) may make places for people on the waiting list.
    _move_up(meeting)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User, reason: str = "") -> Meeting:
    """Cancel one meeting; it stays on the list, marked cancelled, so no one turns up at a closed cafe."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("collaborative").get(pk=meeting.pk)
    if meeting.is_cancelled:
        raise ValidationError("This meeting is already cancelled.")
    if meeting.is_past:
        raise ValidationError("This meeting has already happened.")
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_reason = reason.strip()
    meeting.sequence += 1
    meeting.updated_at = timezone.now()
    meeting.save(update_fields=["status", "cancelled_reason", "sequence", "updated_at"])
    _tell_members(meeting.collaborative, MEETING_CANCELLED, meeting, "cancelled")
    return meeting


def _move_up(meeting: Meeting) -> list[Rsvp]:
    """Give free places to people on the waiting list, first come first served, and tell them.

    The caller holds the meeting's row lock, so two people withdrawing at once free two
    places one after the other and never give the same place twice.
    """
    capacity = meeting.capacity
    waiting = meeting.rsvps.filter(waiting=True).order_by("waiting_since", "id")
    if capacity is not None:
        taken = meeting.rsvps.filter(answer=Rsvp.Answer.COMING, waiting=False).count()
        waiting = waiting[: max(capacity - taken, 0)]
    moved = list(waiting.select_related("user"))
    for rsvp in moved:
        rsvp.waiting, rsvp.waiting_since, rsvp.updated_at = False, None, timezone.now()
        rsvp.save(update_fields=["waiting", "waiting_since", "updated_at"])
        change = RsvpChange.objects.create(rsvp=rsvp, answer=rsvp.answer, waiting=False)
        messages_queue(
            recipients=[rsvp.user],
            collaborative=meeting.collaborative,
            kind=MOVED_UP,
            about=meeting,
            occasion=f"moved-up-{change.pk}",
        )
    return moved


def members_unanswered(meeting: Meeting):
    """The current memberships of those who have not said whether they are coming to `meeting` (a query)."""
    answered = Rsvp.objects.filter(meeting=meeting).values("user_id")
    return Membership.objects.current_in(meeting.collaborative).exclude(user_id__in=answered)


def rsvp_ask_unanswered(*, meeting: Meeting, by: User) -> int:
    """Email "Are you coming?" to each member who has not said, once each however often it is asked; returns
    how many were asked now (not those asked before)."""
    if meeting.is_cancelled or meeting.has_started:
        raise ValidationError("This meeting has started or is cancelled, so there is no one to ask.")
    members = members_unanswered(meeting).select_related("user")
    return tell_once(
        members=members, collaborative=meeting.collaborative, kind=RSVP_ASKED, about=meeting, occasion="asked"
    )


@transaction.atomic
def rsvp_set(*, meeting: Meeting, user: User, answer: str) -> Rsvp:
    """Record the member's answer; past the venue's capacity "coming" means the waiting list."""
    if answer not in Rsvp.Answer.values:
        raise ValidationError("Choose coming, maybe or can't come.")
    # One answer at a time per meeting: places are counted and given under this lock.
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("collaborative", "venue").get(pk=meeting.pk)
    )
    if not Membership.objects.current_in(meeting.collaborative).filter(user=user).exists():
        raise ValidationError("Only members can say whether they are coming.")
    if meeting.is_cancelled:
        raise ValidationError("This meeting is cancelled.")
    if meeting.has_started:
        raise ValidationError("This meeting has started, so answers can no longer be changed.")
    rsvp, created = Rsvp.objects.get_or_create(
        meeting=meeting, user=user, defaults={"answer": answer, "updated_at": timezone.now()}
    )
    if not created and rsvp.answer == answer:
        return rsvp
    had_place = not created and rsvp.answer == Rsvp.Answer.COMING and not rsvp.waiting
    rsvp.answer = answer
    if answer == Rsvp.Answer.COMING:
        taken = meeting.rsvps.filter(answer=Rsvp.Answer.COMING, waiting=False).exclude(pk=rsvp.pk).count()
        rsvp.waiting = meeting.capacity is not None and taken >= meeting.capacity
        rsvp.waiting_since = timezone.now() if rsvp.waiting else None
    else:
        rsvp.waiting, rsvp.waiting_since = False, None
    rsvp.updated_at = timezone.now()
    rsvp.full_clean()
    rsvp.save()
    RsvpChange.objects.create(rsvp=rsvp, answer=rsvp.answer, waiting=rsvp.waiting)
    if had_place and answer != Rsvp.Answer.COMING:
        _move_up(meeting)
    return rsvp


@transaction.atomic
def rsvps_withdraw(*, membership: Membership) -> None:
    """Someone who leaves is no longer coming to meetings that have not started; their place goes on."""
    rsvps = Rsvp.objects.filter(
        user_id=membership.user_id,
        meeting__collaborative_id=membership.collaborative_id,
        meeting__starts_at__gt=timezone.now(),
    ).exclude(answer=Rsvp.Answer.NOT_COMING)
    for rsvp in rsvps.select_related("meeting"):
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("collaborative", "venue")
            .get(pk=rsvp.meeting_id)
        )
        # Read the answer again under the meeting's lock: someone else's withdrawal may
        # have moved this person up meanwhile, and then their place must go on.
        rsvp.refresh_from_db()
        had_place = rsvp.answer == Rsvp.Answer.COMING and not rsvp.waiting
        rsvp.answer, rsvp.waiting, rsvp.waiting_since = Rsvp.Answer.NOT_COMING, False, None
        rsvp.updated_at = timezone.now()
        rsvp.save(update_fields=["answer", "waiting", "waiting_since", "updated_at"])
        RsvpChange.objects.create(rsvp=rsvp, answer=rsvp.answer, waiting=False)
        if had_place:
            _move_up(meeting)


def _open_for_agenda(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ValidationError("This meeting is cancelled.")
    if meeting.is_past:
        raise ValidationError("This meeting has already happened.")


@transaction.atomic
def agenda_item_propose(
    *,
    meeting: Meeting,
    by: User,
    title: str,
    description: str = "",
    presenter: str = "",
    minutes: int | None = None,
    accept: bool = False,
    after: int | None = None,
) -> AgendaItem:
    """A member proposes an item. With `accept`, a facilitator's own item goes straight on the
    agenda, where `after` says (see _place; at the end by default): the view asks for it only when
    their session has passed two-step sign-in (collaborative.permissions.facilitates), so by default
    an item is only proposed."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("collaborative").get(pk=meeting.pk)
    _open_for_agenda(meeting)
    membership = Membership.objects.current_in(meeting.collaborative).filter(user=by).first()
    if membership is None:
        raise ValidationError("Only members can propose agenda items.")
    item = AgendaItem(
        meeting=meeting,
        title=title.strip(),
        description=description.strip(),
        presenter=presenter.strip(),
        minutes=minutes,
        proposed_by=by,
    )
    accepted = accept and membership.is_facilitator
    if accepted:
        item.status, item.decided_by, item.position = AgendaItem.Status.ACCEPTED, by, _next_position(meeting)
    item.full_clean()
    item.save()
    if accepted:
        _place(meeting, item, after)
        _agenda_changed(item, AgendaItemChange.What.ADDED, by)
    return item


def _next_position(meeting: Meeting) -> int:
    last = meeting.agenda_items.on_agenda().order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


FIRST = 0  # `after` for the first place on the agenda; None is the last.
STAY = "stay"  # `after` for an item changed in its words only.


def _place(meeting: Meeting, item: AgendaItem, after: int | None) -> bool:
    """Put `item` (on the agenda) first (`after` FIRST), after the item whose id is `after`, or last (None), and
    number the agenda 1, 2, 3… again; whether the order changed."""
    items = list(meeting.agenda_items.on_agenda())
    before = [each.pk for each in items]
    others = [each for each in items if each.pk != item.pk]
    if after is None:
        index = len(others)
    elif after == FIRST:
        index = 0
    else:
        index = next((number for number, other in enumerate(others, start=1) if other.pk == after), None)
        if index is None:
            raise ValidationError({"after": "That item is no longer on the agenda: choose again where this one goes."})
    others.insert(index, item)
    for position, each in enumerate(others, start=1):
        if each.position != position:
            each.position = position
            AgendaItem.objects.filter(pk=each.pk).update(position=position)
    item.position = next(each.position for each in others if each.pk == item.pk)
    return [each.pk for each in others] != before


def _agenda_changed(item: AgendaItem, what: str, by: User | None) -> None:
    """Keep the change in the item's history (with its words as they were), and count it on the meeting: once the
    agenda is published, a change is what makes "publish the changes" appear."""
    AgendaItemChange.objects.create(
        item=item,
        what=what,
        title=item.title,
        description=item.description,
        presenter=item.presenter,
        minutes=item.minutes,
        changed_by=by,
    )
    Meeting.objects.filter(pk=item.meeting_id).update(agenda_version=F("agenda_version") + 1)


def _decide_item(item: AgendaItem, *, waiting=(AgendaItem.Status.PROPOSED,)) -> AgendaItem:
    item = AgendaItem.objects.select_for_update(of=("self",)).select_related("meeting__collaborative").get(pk=item.pk)
    _open_for_agenda(item.meeting)
    if item.status not in waiting:
        raise ValidationError(f"This item has already been decided: {item.get_status_display().lower()}.")
    return item


@transaction.atomic
def agenda_item_accept(*, item: AgendaItem, by: User) -> AgendaItem:
    """Put a proposed item on the agenda, at the end; or put back one taken off."""
    item = _decide_item(item, waiting=(AgendaItem.Status.PROPOSED, AgendaItem.Status.REMOVED))
    put_back = item.status == AgendaItem.Status.REMOVED
    item.status, item.decided_by, item.position = AgendaItem.Status.ACCEPTED, by, _next_position(item.meeting)
    if put_back:
        item.decline_reason = ""
    item.save(update_fields=["status", "decided_by", "position", "decline_reason"])
    _agenda_changed(item, AgendaItemChange.What.ADDED, by)
    # Told once that it is on the agenda: an item put back after being taken off tells no one again.
    _tell_proposer(item, by)
    return item


def _on_the_agenda(item: AgendaItem) -> AgendaItem:
    # The meeting first, as moving an item locks it: one change to the agenda's order at a time.
    Meeting.objects.select_for_update(of=("self",)).get(pk=item.meeting_id)
    item = AgendaItem.objects.select_for_update(of=("self",)).select_related("meeting__collaborative").get(pk=item.pk)
    _open_for_agenda(item.meeting)
    if item.status != AgendaItem.Status.ACCEPTED:
        raise ValidationError(
            f"Only items on the agenda can be changed or taken off. This one is: {item.get_status_display().lower()}."
        )
    return item


@transaction.atomic
def agenda_item_change(
    *,
    item: AgendaItem,
    by: User,
    title: str,
    description: str = "",
    presenter: str = "",
    minutes: int | None = None,
    after: int | str | None = STAY,
) -> bool:
    """Facilitators correct an item on the agenda, and may place it elsewhere (see _place); its words as they were
    are kept in its history. Whether anything changed."""
    item = _on_the_agenda(item)
    typed = {"title": title.strip(), "description": description.strip(), "presenter": presenter.strip()}
    typed["minutes"] = minutes
    reworded = any(getattr(item, field) != value for field, value in typed.items())
    if reworded:
        _agenda_changed(item, AgendaItemChange.What.CHANGED, by)  # With the words before the change.
        for field, value in typed.items():
            setattr(item, field, value)
        item.full_clean()
        item.save(update_fields=list(typed))
    moved = after != STAY and _place(item.meeting, item, after)
    if moved:
        _agenda_changed(item, AgendaItemChange.What.MOVED, by)
    return reworded or moved


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by: User, reason: str = "") -> AgendaItem:
    """Take an item off the agenda. It is kept, marked as taken off with the reason if one is given (the person who
    proposed it sees it), and can be put back."""
    item = _on_the_agenda(item)
    if item.notes.strip() or item.decisions.filter(withdrawn_at__isnull=True).exists():
        raise ValidationError("This item has notes or a decision recorded under it, so it stays on the agenda.")
    item.status, item.decline_reason, item.decided_by = AgendaItem.Status.REMOVED, reason.strip(), by
    item.full_clean()
    item.save(update_fields=["status", "decline_reason", "decided_by"])
    _agenda_changed(item, AgendaItemChange.What.REMOVED, by)
    return item


def _tell_proposer(item: AgendaItem, by: User) -> None:
    """Email whoever proposed the item what became of it (not a facilitator who decided on their own item)."""
    if item.proposed_by_id is None or item.proposed_by_id == by.pk:
        return
    messages_queue(
        recipients=[item.proposed_by],
        collaborative=item.meeting.collaborative,
        kind=AGENDA_ITEM_DECIDED,
        about=item,
        occasion=f"decided-{item.status}",
    )


@transaction.atomic
def agenda_item_decline(*, item: AgendaItem, by: User, reason: str) -> AgendaItem:
    """Not this time, with a reason the proposer sees."""
    if not reason.strip():
        raise ValidationError("Say why, in a few words: the person who proposed it will see this.")
    item = _decide_item(item)
    item.status, item.decided_by, item.decline_reason = AgendaItem.Status.DECLINED, by, reason.strip()
    item.save(update_fields=["status", "decided_by", "decline_reason"])
    _tell_proposer(item, by)
    return item


@transaction.atomic
def agenda_item_withdraw(*, item: AgendaItem, by: User) -> AgendaItem:
    """The proposer takes back an item the facilitators have not decided on."""
    item = _decide_item(item)
    if item.proposed_by_id != by.pk:
        raise ValidationError("Only the person who proposed an item can withdraw it.")
    item.status = AgendaItem.Status.WITHDRAWN
    item.save(update_fields=["status"])
    return item


@transaction.atomic
def agenda_item_move(*, item: AgendaItem, up: bool, by: User | None = None) -> None:
    """Swap the item with the one before (or after) it on the agenda."""
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    _open_for_agenda(meeting)
    items = list(meeting.agenda_items.on_agenda())
    index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
    if index is None:
        raise ValidationError("Only items on the agenda can be moved.")
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items, start=1):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])
    _agenda_changed(items[other], AgendaItemChange.What.MOVED, by)


@transaction.atomic
def agenda_publish(*, meeting: Meeting, by: User, again: bool = False) -> Meeting:
    """Publish the agenda and tell the members. Publishing again (`again`, asked for on a page of its own) tells
    them of a changed agenda; only when something on it has changed since it was last published."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("collaborative").get(pk=meeting.pk)
    _open_for_agenda(meeting)
    if not meeting.agenda_items.on_agenda().exists():
        raise ValidationError("Accept or add at least one item before publishing the agenda.")
    published_before = meeting.agenda_published_at is not None
    if published_before and not again:
        raise ValidationError("The agenda is already published. Members are told of changes only when you confirm.")
    if published_before and not meeting.agenda_changed_since_published:
        raise ValidationError("Nothing on the agenda has changed since it was published, so no one was emailed.")
    meeting.agenda_published_at = timezone.now()
    meeting.agenda_published_version = meeting.agenda_version
    meeting.save(update_fields=["agenda_published_at", "agenda_published_version"])
    members = [m.user for m in Membership.objects.current_in(meeting.collaborative)]
    changed = "changed-" if published_before else ""
    messages_queue(
        recipients=members,
        collaborative=meeting.collaborative,
        kind=AGENDA_PUBLISHED,
        about=meeting,
        occasion=f"agenda-{changed}{meeting.agenda_published_at:%Y%m%d%H%M%S%f}",
    )
    return meeting


def agenda_changes_since_published(meeting: Meeting) -> list[dict]:
    """What facilitators changed on the agenda since it was last published, an entry per item in the order first
    changed: the item as it is now, and in words what became of it ("new", "changed and moved"…)."""
    if meeting.agenda_published_at is None:
        return []
    changes = (
        AgendaItemChange.objects.filter(item__meeting=meeting, changed_at__gt=meeting.agenda_published_at)
        .select_related("item")
        .order_by("changed_at", "id")[:MAX_CHANGES_LISTED]
    )
    items: dict[int, dict] = {}
    for change in changes:
        items.setdefault(change.item_id, {"item": change.item, "what": set()})["what"].add(change.what)
    What = AgendaItemChange.What
    listed = []
    for entry in items.values():
        item, what = entry["item"], entry["what"]
        if item.status != AgendaItem.Status.ACCEPTED:
            said = "taken off the agenda"
        elif What.ADDED in what:
            said = "new on the agenda"
        else:
            said = " and ".join(word for key, word in ((What.CHANGED, "changed"), (What.MOVED, "moved")) if key in what)
        if said:
            listed.append({"item": item, "what": said})
    return listed


MAX_CHANGES_LISTED = 200


def agenda_recipients(meeting: Meeting) -> dict:
    """Who an agenda email goes to: every current member, less those who turned agenda emails off."""
    members = Membership.objects.current_in(meeting.collaborative).values("user_id")
    turned_off = Preference.objects.filter(user_id__in=members, kind=AGENDA_PUBLISHED.key, enabled=False).count()
    everyone = Membership.objects.current_in(meeting.collaborative).count()
    return {"members": everyone, "turned_off": turned_off, "emailed": everyone - turned_off}


def calendar_feed_renew(*, user: User) -> CalendarFeed:
    """Give the member a calendar address, or a new one: the old address stops working at once."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if not created:
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed


def calendar_feed_meetings(feed: CalendarFeed) -> list[Meeting]:
    """The meetings of every Collaborative the member belongs to, from three months back."""
    collaboratives = Membership.objects.for_user(feed.user).values("collaborative_id")
    since = timezone.now() - timedelta(days=90)
    return list(
        Meeting.objects.filter(collaborative_id__in=collaboratives, ends_at__gte=since).select_related(
            "collaborative", "venue"
        )
    )


# Reminders and notices


def _reminder_occasion(days: int, meeting: Meeting) -> str:
    return f"reminder-{days}-{meeting.starts_at:%Y%m%dT%H%M}"


def reminder_due(meeting: Meeting, days: int) -> datetime:
    """`days` before the meeting at the same wall-clock time, across a clocks change too."""
    local = meeting.local_start
    return datetime.combine(local.date() - timedelta(days=days), local.time(), tzinfo=meeting.zone)


def reminders_queue(*, now: datetime | None = None) -> int:
    """Beat's scan: queue each reminder that is due, to current members who have not said they can't come.

    Reminders are queued when due rather than months ahead, so a meeting that moves is
    reminded at its new time, a cancelled one not at all, and someone who joins this week
    is reminded too. Queuing is idempotent: the scan can run as often as it likes.
    """
    now = now or timezone.now()
    queued = 0
    soon = (
        Meeting.objects.scheduled()
        .filter(starts_at__gt=now, starts_at__lte=now + timedelta(days=31))
        .select_related("collaborative")
    )
    for meeting in soon:
        for days in meeting.collaborative.reminder_days:
            if not reminder_due(meeting, days) <= now:
                continue
            # The first reminder is not sent once the second is due: one email is enough.
            later = [d for d in meeting.collaborative.reminder_days if d < days]
            if any(reminder_due(meeting, d) <= now for d in later):
                continue
            occasion = _reminder_occasion(days, meeting)
            not_coming = meeting.rsvps.filter(answer=Rsvp.Answer.NOT_COMING).values("user_id")
            queued += tell_once(
                members=Membership.objects.current_in(meeting.collaborative).exclude(user_id__in=not_coming),
                collaborative=meeting.collaborative,
                kind=MEETING_REMINDER,
                about=meeting,
                occasion=occasion,
            )
    return queued


def _tell_members(collaborative: Collaborative, kind: Kind, about, occasion: str) -> None:
    members = [m.user for m in Membership.objects.current_in(collaborative)]
    messages_queue(recipients=members, collaborative=collaborative, kind=kind, about=about, occasion=occasion)


@transaction.atomic
def venue_save(*, venue: Venue) -> Venue:
    """Save a venue; more room (or no limit) gives places to people waiting for its coming meetings."""
    venue.full_clean()
    venue.save()
    upcoming = Meeting.objects.scheduled().filter(venue=venue, starts_at__gt=timezone.now())
    for pk in upcoming.values_list("pk", flat=True):
        _move_up(Meeting.objects.select_for_update(of=("self",)).select_related("collaborative", "venue").get(pk=pk))
    return venue


# The register, notes, decisions and minutes


def _current_member(meeting: Meeting, user: User) -> None:
    if not Membership.objects.current_in(meeting.collaborative).filter(user=user).exists():
        raise ValidationError("Only members can be on the register.")


@transaction.atomic
def register_mark(*, meeting: Meeting, user: User, attended: bool, by: User) -> Attendance:
    """One tap on the register: came, or not."""
    if meeting.is_cancelled:
        raise ValidationError("This meeting was cancelled.")
    if not meeting.register_open:
        raise ValidationError("The register opens on the day of the meeting.")
    _current_member(meeting, user)
    attendance, _ = Attendance.objects.update_or_create(
        meeting=meeting, user=user, defaults={"attended": attended, "marked_by": by, "marked_at": timezone.now()}
    )
    register_marked(attendance, by)  # Payments pays for coming (see meetings/hooks.py).
    return attendance


@transaction.atomic
def register_guests(*, meeting: Meeting, guests: int, by: User) -> Meeting:
    if meeting.is_cancelled:
        raise ValidationError("This meeting was cancelled.")
    if not meeting.register_open:
        raise ValidationError("The register opens on the day of the meeting.")
    if not 0 <= guests <= 1000:
        raise ValidationError("Give a number of guests from 0 to 1000.")
    meeting.guests = guests
    meeting.save(update_fields=["guests"])
    return meeting


def _notes_open(meeting: Meeting) -> None:
    if meeting.minutes_approved_at:
        raise ValidationError("These minutes have been approved, so they can no longer be changed.")
    if meeting.is_cancelled:
        raise ValidationError("This meeting was cancelled.")


@transaction.atomic
def notes_save(*, meeting: Meeting, by: User, general_notes: str, item_notes: dict[int, str]) -> Meeting:
    """Save the notes; each change is kept as a revision, so earlier wording is never lost."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("collaborative").get(pk=meeting.pk)
    _notes_open(meeting)
    items = {item.pk: item for item in meeting.agenda_items.on_agenda()}
    for pk, text in item_notes.items():
        item = items.get(pk)
        if item is None:
            raise ValidationError("One of the agenda items is no longer on the agenda. Reload the page.")
        if item.notes != text:
            item.notes = text
            item.full_clean()
            item.save(update_fields=["notes"])
            NotesRevision.objects.create(meeting=meeting, agenda_item=item, text=text, edited_by=by)
    if meeting.general_notes != general_notes:
        meeting.general_notes = general_notes
        meeting.full_clean()
        meeting.save(update_fields=["general_notes"])
        NotesRevision.objects.create(meeting=meeting, text=general_notes, edited_by=by)
    return meeting


@transaction.atomic
def decision_record(*, meeting: Meeting, by: User, text: str, agenda_item: AgendaItem | None = None) -> Decision:
    _notes_open(meeting)
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError("Choose an item from this meeting's agenda.")
    decision = Decision(meeting=meeting, agenda_item=agenda_item, text=text.strip(), recorded_by=by)
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def decision_withdraw(*, decision: Decision, by: User) -> Decision:
    """A decision recorded by mistake is marked withdrawn; it stays on record."""
    _notes_open(decision.meeting)
    if decision.withdrawn_at is None:
        decision.withdrawn_at = timezone.now()
        decision.save(update_fields=["withdrawn_at"])
    return decision


@transaction.atomic
def notes_publish(*, meeting: Meeting, by: User) -> Meeting:
    """Publish the draft notes and decisions to members, and tell them."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("collaborative").get(pk=meeting.pk)
    _notes_open(meeting)
    if not meeting.has_started:
        raise ValidationError("Notes can be published once the meeting has started.")
    has_notes = meeting.general_notes.strip() or meeting.agenda_items.exclude(notes="").exists()
    if not has_notes and not meeting.decisions.filter(withdrawn_at__isnull=True).exists():
        raise ValidationError("Write some notes or record a decision before publishing.")
    # Published before: this time the email says it brings corrections, and what they are.
    earlier = meeting.notes_published_at
    meeting.notes_published_at = timezone.now()
    meeting.save(update_fields=["notes_published_at"])
    _tell_members(meeting.collaborative, NOTES_PUBLISHED, meeting, notes_occasion(meeting.notes_published_at, earlier))
    return meeting


def minutes_to_approve(meeting: Meeting) -> Meeting | None:
    """The earlier meeting whose published minutes wait for approval at this one."""
    return (
        Meeting.objects.scheduled()
        .filter(
            collaborative_id=meeting.collaborative_id,
            starts_at__lt=meeting.starts_at,
            notes_published_at__isnull=False,
            minutes_approved_at__isnull=True,
        )
        .select_related("collaborative")
        .order_by("-starts_at")
        .first()
    )


@transaction.atomic
def minutes_approve(*, meeting: Meeting, by: User) -> Meeting:
    """Record, at this meeting, that the previous meeting's minutes are approved; they are then final."""
    if meeting.is_cancelled:
        raise ValidationError("This meeting was cancelled.")
    if not meeting.register_open:
        raise ValidationError("Minutes are approved at the meeting itself, from its day.")
    previous = minutes_to_approve(meeting)
    if previous is None:
        raise ValidationError("No earlier minutes are waiting to be approved.")
    previous = Meeting.objects.select_for_update(of=("self",)).get(pk=previous.pk)
    if previous.minutes_approved_at is not None:  # Another facilitator got there first.
        raise ValidationError("These minutes have just been approved.")
    previous.minutes_approved_at, previous.minutes_approved_at_meeting = timezone.now(), meeting
    previous.minutes_approved_by = by
    previous.save(update_fields=["minutes_approved_at", "minutes_approved_at_meeting", "minutes_approved_by"])
    return previous


# Checking in after a meeting


@transaction.atomic
def check_in_ask(*, meeting: Meeting, user: User) -> CheckInRequest:
    """Someone who came asks, privately, for someone to check in with them: the facilitators get one email.
    Asking again changes nothing."""
    if not meeting.check_in_open:
        raise ValidationError("You can ask for a check-in from the end of a meeting until a week after it.")
    if not Attendance.objects.filter(meeting=meeting, user=user, attended=True).exists():
        raise ValidationError("Only someone marked on the register as there can ask after a meeting.")
    check_in, created = CheckInRequest.objects.get_or_create(meeting=meeting, user=user)
    if created:
        facilitators = (
            Membership.objects.current_in(meeting.collaborative)
            .filter(role=Membership.Role.FACILITATOR)
            .exclude(user=user)
        )
        messages_queue(
            recipients=[m.user for m in facilitators],
            collaborative=meeting.collaborative,
            kind=CHECK_IN_ASKED,
            about=check_in,
        )
    return check_in


@transaction.atomic
def check_in_answer(*, check_in: CheckInRequest, by: User) -> CheckInRequest:
    """A facilitator has checked in: who and when are recorded, once."""
    check_in = CheckInRequest.objects.select_for_update(of=("self",)).select_related("answered_by").get(pk=check_in.pk)
    if check_in.is_answered:
        who = check_in.answered_by.display_name if check_in.answered_by else "A facilitator"
        raise ValidationError(f"{who} checked in already, on {timezone.localtime(check_in.answered_at):%-d %B}.")
    check_in.answered_by = by
    check_in.answered_at = timezone.now()
    check_in.full_clean()
    check_in.save(update_fields=["answered_by", "answered_at"])
    return check_in
