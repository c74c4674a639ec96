import logging
from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from members.models import Collaborative, User
from notifications.kinds import Kind, UnknownKind, kind_named, member_kinds
from notifications.models import DigestSchedule, Message, Preference

logger = logging.getLogger(__name__)


def messages_queue(
    *,
    recipients: Iterable[User] = (),
    addresses: Iterable[str] = (),
    collaborative: Collaborative,
    kind: Kind,
    about,
    occasion: str = "",
    due_at=None,
) -> None:
    """Queue one email of `kind` to each recipient, as part of the caller's transaction.

    `recipients` are members; `addresses` are email addresses for kinds sent to people
    who may have no account yet (invitations). A message for the same recipient (or
    address), kind, object and occasion is queued only once, however often this runs.
    Messages due now are sent as soon as the transaction commits.
    """
    try:
        kind_named(kind.key)
    except UnknownKind as error:
        raise ValueError(str(error)) from None
    recipients, addresses = list(recipients), list(addresses)
    if kind.to_address != bool(addresses) or (recipients and addresses):
        raise ValueError(f"Emails of kind {kind.key} go to {'addresses' if kind.to_address else 'members'}.")
    now = timezone.now()
    due_at = due_at or now
    about_type = ContentType.objects.get_for_model(about)
    rows = [
        Message(
            recipient=recipient,
            collaborative=collaborative,
            kind=kind.key,
            about_type=about_type,
            about_id=about.pk,
            occasion=occasion,
            due_at=due_at,
        )
        for recipient in recipients
    ] + [
        Message(
            to_address=address,
            collaborative=collaborative,
            kind=kind.key,
            about_type=about_type,
            about_id=about.pk,
            occasion=occasion,
            due_at=due_at,
        )
        for address in addresses
    ]
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    if due_at <= now:
        from notifications.tasks import dispatch_messages_task

        # If the broker is down the change still stands: beat's next scan sends it.
        transaction.on_commit(dispatch_messages_task.delay, robust=True)


def local_time(day: date, at: time, time_zone: str) -> datetime:
    """The moment a wall-clock time happens in a place, e.g. 10:00 in Europe/London.

    Due times are stored in UTC; this is how a "10:00 local" message stays at 10:00
    on both sides of a clocks change.
    """
    return datetime.combine(day, at, tzinfo=ZoneInfo(time_zone))


def told(kind: Kind, about, *, occasion: str | None = None):
    """The ids of the people sent, or due to be sent, an email of `kind` about `about` (on `occasion`, if given).

    How a scan tells each person once: a query, to use as `exclude(user_id__in=told(...))`
    or to make a set of.
    """
    messages = Message.objects.filter(
        kind=kind.key, about_type=ContentType.objects.get_for_model(about), about_id=about.pk
    )
    if occasion is not None:
        messages = messages.filter(occasion=occasion)
    return messages.values_list("recipient_id", flat=True)


def tell_once(*, members, collaborative: Collaborative, kind: Kind, about, occasion: str = "", due_at=None) -> int:
    """Queue an email of `kind` about `about` to each of `members` (a query of memberships of one
    Collaborative) not yet told on this occasion; returns how many were queued.

    How every scan (reminders, digests, reviews) tells each person once, however often it runs.
    """
    recipients = [m.user for m in members.exclude(user_id__in=told(kind, about, occasion=occasion))]
    if recipients:
        with transaction.atomic():
            messages_queue(
                recipients=recipients,
                collaborative=collaborative,
                kind=kind,
                about=about,
                occasion=occasion,
                due_at=due_at,
            )
    return len(recipients)


def told_about_each(kind: Kind, abouts) -> set[tuple[int, str, int]]:
    """(object id, occasion, person id) for every email of `kind` about one of `abouts` (a query):
    `told` for a scan over many objects at once."""
    return set(
        Message.objects.filter(
            kind=kind.key, about_type=ContentType.objects.get_for_model(abouts.model), about_id__in=abouts.values("pk")
        ).values_list("about_id", "occasion", "recipient_id")
    )


def preferences_for(user: User) -> dict[Kind, Preference]:
    """The person's choice for every kind, with the default (on, weekly) where they made none."""
    saved = {p.kind: p for p in Preference.objects.filter(user=user)}
    return {kind: saved.get(kind.key) or Preference(user=user, kind=kind.key) for kind in member_kinds()}


def digest_schedule_for(user: User) -> DigestSchedule:
    """When the person's digest goes: their choice, or every day at 08:00 if they made none."""
    return DigestSchedule.objects.filter(user=user).first() or DigestSchedule(user=user)


@transaction.atomic
def preferences_save(*, user: User, choices: dict[Kind, dict], schedule: dict | None = None) -> None:
    """Save `{kind: {"enabled": bool, "frequency": str, "in_digest": bool}}` for the person, and when their
    digest goes (`schedule`: {"frequency", "weekday", "send_at"}), if given."""
    chosen = {kind.key for kind in member_kinds()}
    for kind, values in choices.items():
        if kind.key not in chosen:
            raise ValueError(f"Unknown kind of message: {kind.key}")
        if "in_digest" in values and not kind.digestible:
            raise ValueError(f"Emails of kind {kind.key} cannot wait for the digest.")
        Preference.objects.update_or_create(user=user, kind=kind.key, defaults=values)
    if schedule is not None:
        found = digest_schedule_for(user)
        for name, value in schedule.items():
            setattr(found, name, value)
        found.full_clean()
        found.save()
