from collections.abc import Collection
from datetime import date, datetime, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.emails import ACTION_ASSIGNED, ACTION_FOLLOW_UP, ACTIONS_DIGEST, ACTIONS_SUMMARY, YOU_SAID_WE_DID
from actions.evidence import evidence_kind
from actions.follow_ups import (
    DUE_SOON_DAYS,
    FOLLOW_UP_TIME,
    follow_up_began,
    follow_up_day,
    follow_up_occasion,
)
from actions.models import Action, ActionChange, ActionUpdate, ReviewItem, ReviewRound, person_name
from actions.selectors import review_finished_since
from meetings.models import AgendaItem, Decision, Meeting
from members.models import Collaborative, Membership, User
from notifications.kinds import Kind
from notifications.services import messages_queue, tell_once, told_about_each
from vision.models import Goal, KeyRole

DIGEST_DAYS_BEFORE_MEETING = 3

# The fields whose every change is recorded, in the order the form shows them.
TRACKED = [
    "title",
    "description",
    "owner",
    "supporters",
    "organisation",
    "due_on",
    "status",
    "status_reason",
    "meeting",
    "agenda_item",
    "decision",
    "goal",
    "key_role",
]
RELATED = {"owner", "meeting", "agenda_item", "decision", "goal", "key_role"}
# How the history names each field.
FIELD_NAMES = {
    "title": "title",
    "description": "description",
    "owner": "owner",
    "supporters": "supporters",
    "organisation": "lead organisation",
    "due_on": "due date",
    "status": "status",
    "status_reason": "reason",
    "meeting": "meeting it came from",
    "agenda_item": "agenda item it came from",
    "decision": "decision it came from",
    "goal": "goal",
    "key_role": "key role",
}


def _stored(action: Action, field: str) -> str:
    """A field's value as the history stores it: ids for people and other records, ISO dates."""
    if field == "supporters":
        ids = getattr(action, "_supporter_ids", None)
        if ids is None:
            ids = list(action.supporters.values_list("pk", flat=True)) if action.pk else []
        return ",".join(str(pk) for pk in sorted(ids))
    if field in RELATED:
        value = getattr(action, f"{field}_id")
        return "" if value is None else str(value)
    value = getattr(action, field)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _check_links(
    action: Action, supporters: list[User], *, owner_before: int | None = None, supporters_before: Collection[int] = ()
) -> None:
    """Everything an action points at belongs to its Collaborative; people given a part in it are current members.

    Only people new to the action are checked: an owner or supporter who has since left keeps
    their place until someone changes it, so the action can still be finished, dropped or handed on.
    """
    collaborative = action.collaborative
    new_owner = action.owner_id is not None and action.owner_id != owner_before
    new_supporters = {person.pk for person in supporters} - set(supporters_before)
    if new_owner or new_supporters:
        members = set(Membership.objects.current_in(collaborative).values_list("user_id", flat=True))
        if new_owner and action.owner_id not in members:
            raise ValidationError({"owner": "Choose a current member as the owner."})
        if new_supporters - members:
            raise ValidationError({"supporters": "Choose current members as supporters."})
    checks = [
        ("meeting", Meeting, {"collaborative": collaborative}),
        ("agenda_item", AgendaItem, {"meeting__collaborative": collaborative}),
        ("decision", Decision, {"meeting__collaborative": collaborative}),
        ("goal", Goal, {"collaborative": collaborative}),
        ("key_role", KeyRole, {"collaborative": collaborative}),
    ]
    for field, model, scope in checks:
        pk = getattr(action, f"{field}_id")
        if pk is not None and not model.objects.filter(pk=pk, **scope).exists():
            raise ValidationError({field: "Choose one from this Collaborative."})


def _tell(recipients, action: Action, kind: Kind, occasion: str, due_at: datetime | None = None) -> None:
    people = [person for person in recipients if person is not None]
    if people:
        messages_queue(
            recipients=people,
            collaborative=action.collaborative,
            kind=kind,
            about=action,
            occasion=occasion,
            due_at=due_at,
        )


@transaction.atomic
def action_create(*, action: Action, by: User, supporters: list[User] = ()) -> Action:
    """Record a new action; its owner is told unless they made it themselves."""
    supporters = list(supporters)
    action.created_by = by
    action.full_clean()
    _check_links(action, supporters)
    now = timezone.now()
    action.created_at = action.updated_at = now
    if action.status == Action.Status.DONE:
        action.done_at = now
    action.save()
    action.supporters.set(supporters)
    ActionChange.objects.create(action=action, field="created", new_value=action.title, changed_by=by, changed_at=now)
    if action.owner_id and action.owner_id != by.pk:
        _tell([action.owner], action, ACTION_ASSIGNED, f"owner-{action.owner_id}-created")
    if action.status == Action.Status.DONE:
        _you_said_we_did(action, by)
    return action


@transaction.atomic
def action_change(*, action: Action, by: User, changes: dict, supporters: list[User] | None = None) -> list[str]:
    """Change some fields of an action, recording each change: who, when, old and new. Returns the fields changed."""
    action = Action.objects.select_for_update(of=("self",)).select_related("collaborative").get(pk=action.pk)
    before = {field: _stored(action, field) for field in TRACKED}
    owner_before = action.owner_id
    for field, value in changes.items():
        if field not in TRACKED or field == "supporters":
            raise ValueError(f"Not a field to change: {field}")
        setattr(action, field, value)
    # A reason belongs to "blocked" or "dropped" only: it goes when the action moves on.
    if action.status not in Action.NEEDS_REASON:
        action.status_reason = ""
    if supporters is not None:
        action._supporter_ids = [person.pk for person in supporters]
    action.full_clean()
    _check_links(
        action,
        supporters if supporters is not None else [],
        owner_before=owner_before,
        supporters_before={int(pk) for pk in before["supporters"].split(",") if pk},
    )
    after = {field: _stored(action, field) for field in TRACKED}
    changed = [field for field in TRACKED if before[field] != after[field]]
    if not changed:
        return []
    now = timezone.now()
    if "status" in changed:
        action.done_at = now if action.status == Action.Status.DONE else None
    action.updated_at = now
    action.save()
    if supporters is not None:
        action.supporters.set(supporters)
    records = ActionChange.objects.bulk_create(
        ActionChange(
            action=action, field=field, old_value=before[field], new_value=after[field], changed_by=by, changed_at=now
        )
        for field in changed
    )
    if "owner" in changed and action.owner_id and action.owner_id != by.pk:
        owner_change = next(record for record in records if record.field == "owner")
        _tell([action.owner], action, ACTION_ASSIGNED, f"owner-{action.owner_id}-{owner_change.pk or now.timestamp()}")
    if "status" in changed and action.status == Action.Status.DONE:
        _you_said_we_did(action, by)
    return changed


def _you_said_we_did(action: Action, by: User) -> None:
    """When an action that came from a member's agenda item is done, that member is told."""
    item = action.agenda_item
    if item is None or item.proposed_by_id is None or item.proposed_by_id == by.pk:
        return
    if not Membership.objects.current_in(action.collaborative).filter(user_id=item.proposed_by_id).exists():
        return
    _tell([item.proposed_by], action, YOU_SAID_WE_DID, "done")


@transaction.atomic
def action_update_add(*, action: Action, by: User, text: str, link: str = "", upload=None) -> ActionUpdate:
    """Progress in words, with a link or a file as evidence. Files are checked by what is in them."""
    update = ActionUpdate(action=action, author=by, text=text.strip(), link=link.strip())
    if upload is not None:
        try:
            kind = evidence_kind(upload)
        except ValueError as error:
            raise ValidationError({"file": str(error)}) from error
        # Named for what it really is: a program called report.pdf is refused above, and a
        # document cannot be downloaded under a name that would run it.
        stem = Path(upload.name or "evidence").stem.strip()[:180] or "evidence"
        update.file_name = f"{stem}.{kind.extension}"
        update.file_type = kind.content_type
        update.file_size = upload.size
        update.file = upload
    update.full_clean(exclude=["file"])
    update.save()
    Action.objects.filter(pk=action.pk).update(updated_at=update.created_at)
    return update


def followups_queue(*, now: datetime | None = None) -> int:
    """Beat's scan: queue owners' follow-ups, facilitators' digests before meetings and commissioners' summaries."""
    now = now or timezone.now()
    queued = 0
    window = now.date() + timedelta(days=DUE_SOON_DAYS + 1)
    live = (
        Action.objects.live().filter(due_on__lte=window, owner__isnull=False).select_related("collaborative", "owner")
    )
    # Per owner: a new owner still gets the follow-up their predecessor had (skipped for the predecessor).
    sent = told_about_each(ACTION_FOLLOW_UP, live)
    # When each owner was given the action (the owner set when it was recorded: its creation).
    owner_since = {
        (row["action_id"], row["new_value"]): row["since"]
        for row in ActionChange.objects.filter(action__in=live.values("pk"), field="owner")
        .values("action_id", "new_value")
        .annotate(since=Max("changed_at"))
    }
    members: dict[int, set[int]] = {}  # Each Collaborative's current members, read once per scan.
    for action in live:
        today = follow_up_day(action.collaborative, now)
        occasion = follow_up_occasion(action, today)
        if occasion is None or (action.pk, occasion, action.owner_id) in sent:
            continue
        since = owner_since.get((action.pk, str(action.owner_id)), action.created_at)
        if action.collaborative.local_now(since).date() >= follow_up_began(action.due_on, today):
            continue  # Given the action, and told when it is due, on or after this follow-up's first day.
        if action.collaborative_id not in members:
            members[action.collaborative_id] = set(
                Membership.objects.current_in(action.collaborative).values_list("user_id", flat=True)
            )
        if action.owner_id not in members[action.collaborative_id]:
            continue
        with transaction.atomic():
            # Due when the scan found it: the email's "due in 3 days" counts from that moment.
            _tell([action.owner], action, ACTION_FOLLOW_UP, occasion, due_at=now)
        queued += 1
    return queued + digests_queue(now=now) + summaries_queue(now=now)


def digests_queue(*, now: datetime) -> int:
    """Three days before each meeting, facilitators get the actions to review at it."""
    queued = 0
    soon = Meeting.objects.scheduled().filter(
        starts_at__gt=now, starts_at__lte=now + timedelta(days=DIGEST_DAYS_BEFORE_MEETING + 1)
    )
    for meeting in soon.select_related("collaborative"):
        local_start = meeting.collaborative.local_now(meeting.starts_at)
        due = datetime.combine(
            local_start.date() - timedelta(days=DIGEST_DAYS_BEFORE_MEETING), FOLLOW_UP_TIME, tzinfo=local_start.tzinfo
        )
        if now < due:
            continue
        queued += tell_once(
            members=Membership.objects.current_in(meeting.collaborative).filter(role=Membership.Role.FACILITATOR),
            collaborative=meeting.collaborative,
            kind=ACTIONS_DIGEST,
            about=meeting,
            due_at=now,
        )
    return queued


def summaries_queue(*, now: datetime) -> int:
    """On the first of each month (9am local), commissioners get a summary of the action log."""
    queued = 0
    for collaborative in Collaborative.objects.filter(
        memberships__role=Membership.Role.COMMISSIONER, memberships__status=Membership.Status.ACTIVE
    ).distinct():
        day = follow_up_day(collaborative, now)
        if day.day != 1:
            continue  # Only on the first: someone who becomes a commissioner mid-month waits for the next one.
        occasion = f"summary-{day:%Y-%m}"
        queued += tell_once(
            members=Membership.objects.current_in(collaborative).filter(role=Membership.Role.COMMISSIONER),
            collaborative=collaborative,
            kind=ACTIONS_SUMMARY,
            about=collaborative,
            occasion=occasion,
            due_at=now,
        )
    return queued


def action_snapshot(action: Action, latest_update: ActionUpdate | None) -> dict:
    """An action as it stands, for a review round. The owner by id and by name as it was then: a later
    change of name does not alter a signed-off round, and an erasure replaces the name with "Former member"."""
    return {
        "title": action.title,
        "owner_id": action.owner_id,
        "owner_name": person_name(action.owner),
        "organisation": action.organisation,
        "due_on": action.due_on.isoformat(),
        "status": action.status,
        "status_label": action.get_status_display(),
        "status_reason": action.status_reason,
        "done_at": action.done_at.isoformat() if action.done_at else None,
        "goal": action.goal.title if action.goal_id else "",
        "latest_update": latest_update.text if latest_update else "",
        "latest_update_at": latest_update.created_at.isoformat() if latest_update else None,
    }


def _latest_updates(actions) -> dict[int, ActionUpdate]:
    latest = {}
    for update in ActionUpdate.objects.filter(action__in=actions).order_by("action_id", "created_at", "id"):
        latest[update.action_id] = update
    return latest


@transaction.atomic
def review_round_open(*, collaborative: Collaborative, by: User, title: str) -> ReviewRound:
    """Start a review: every live action, and those finished since the last signed-off review, as they stand now."""
    if collaborative.review_rounds.filter(signed_off_at__isnull=True).exists():
        raise ValidationError("A review is already under way. Sign it off before starting another.")
    finished_since, _last = review_finished_since(collaborative, timezone.now())
    actions = list(
        Action.objects.filter(collaborative=collaborative)
        # Done before the last review: judged by when it was done, so a later note does not bring it back.
        .exclude(status=Action.Status.DONE, done_at__lt=finished_since)
        # Dropped before it: judged by when it was dropped (or recorded as dropped), not by a later note.
        .annotate(
            dropped_at=Coalesce(
                Subquery(
                    ActionChange.objects.filter(action=OuterRef("pk"), field="status")
                    .order_by("-changed_at", "-id")
                    .values("changed_at")[:1]
                ),
                "created_at",
            )
        )
        .exclude(status=Action.Status.DROPPED, dropped_at__lt=finished_since)
        .select_related("goal", "owner")
        .order_by("due_on", "id")
    )
    review = ReviewRound(collaborative=collaborative, title=title.strip(), opened_by=by)
    review.full_clean()
    review.save()
    latest = _latest_updates(actions)
    ReviewItem.objects.bulk_create(
        ReviewItem(round=review, action=action, snapshot=action_snapshot(action, latest.get(action.pk)))
        for action in actions
    )
    return review


SIGNED_OFF = "This review has been signed off, so it can no longer be changed."


def _still_open(review: ReviewRound) -> ReviewRound:
    review = ReviewRound.objects.select_for_update().get(pk=review.pk)
    if review.is_signed_off:
        raise ValidationError(SIGNED_OFF)
    return review


@transaction.atomic
def review_item_mark(*, item: ReviewItem, by: User, comment: str = "") -> ReviewItem:
    """Mark an action reviewed, as it stands now, with an optional comment."""
    _still_open(item.round)
    action = Action.objects.select_related("goal", "owner").get(pk=item.action_id)
    snapshot = action_snapshot(action, _latest_updates([action]).get(action.pk))
    item.snapshot = {**snapshot, "reviewer_name": person_name(by)}
    item.reviewed_at, item.reviewed_by, item.comment = timezone.now(), by, comment.strip()
    item.full_clean()
    item.save()
    return item


def review_round_ready(review: ReviewRound) -> None:
    """Refuse (ValidationError) a review that cannot be signed off: signed off already, or with actions unmarked."""
    if review.is_signed_off:
        raise ValidationError(SIGNED_OFF)
    waiting = review.items.filter(reviewed_at__isnull=True).count()
    if waiting:
        raise ValidationError(f"{waiting} action{'s' if waiting != 1 else ''} still to review before signing off.")


@transaction.atomic
def review_round_sign_off(*, review: ReviewRound, by: User) -> ReviewRound:
    """Sign off a review: it is frozen as it is, and later changes to actions do not alter it."""
    review = _still_open(review)
    review_round_ready(review)
    review.signed_off_at, review.signed_off_by, review.signed_off_by_name = timezone.now(), by, person_name(by)
    review.save(update_fields=["signed_off_at", "signed_off_by", "signed_off_by_name"])
    return review
