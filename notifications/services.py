import html
import logging
import random
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from functools import partial
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from members.models import Collaborative, Membership, User
from notifications.kinds import Kind, UnknownKind, kind_named, member_kinds
from notifications.links import site_url, unsubscribe_url
from notifications.mailer import Mailer, PermanentDeliveryError, RefusedForNowError, TransientDeliveryError
from notifications.models import Message, Preference

logger = logging.getLogger(__name__)

# Rows claimed in one database transaction by a scan, and rows handed to one send task.
CLAIM_BATCH = 1000
SEND_CHUNK = 50
# A scan stops after this many batches; the next scan, a minute later, goes on.
MAX_BATCHES_PER_SCAN = 100
# A claimed row whose task never finished (its worker died and Redis lost the task, say)
# is claimed again after this long. It must exceed the longest retry countdown.
RECLAIM_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 8
MAX_COUNTDOWN = 600  # Seconds: well under Redis's visibility timeout.


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


def messages_claim(*, now=None, limit: int = CLAIM_BATCH) -> tuple[str, list[int]]:
    """Claim up to `limit` due messages for one scan; two scans never claim the same row.

    On PostgreSQL, rows locked by another scan are skipped; SQLite takes the whole
    database for the transaction, so scans there simply take turns.
    """
    now = now or timezone.now()
    claim = uuid.uuid4().hex
    due = Q(status=Message.Status.PENDING, due_at__lte=now) | Q(
        status=Message.Status.SENDING, claimed_at__lt=now - RECLAIM_AFTER
    )
    with transaction.atomic():
        ids = list(
            Message.objects.filter(due)
            .order_by("due_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Message.objects.filter(id__in=ids).update(status=Message.Status.SENDING, claim=claim, claimed_at=now)
    return claim, ids


def messages_dispatch(*, now=None) -> int:
    """The scan beat runs every minute: claim what is due and hand it to send tasks."""
    total = 0
    for _ in range(MAX_BATCHES_PER_SCAN):
        claim, ids = messages_claim(now=now)
        for start in range(0, len(ids), SEND_CHUNK):
            transaction.on_commit(partial(_hand_out, claim, ids[start : start + SEND_CHUNK]))
        total += len(ids)
        if len(ids) < CLAIM_BATCH:
            break
    return total


def _hand_out(claim: str, ids: list[int]) -> None:
    """Queue a send task; if the broker is down, put the rows back for the next scan."""
    from notifications.tasks import send_messages_task

    try:
        send_messages_task.delay(claim, ids)
    except OperationalError:
        Message.objects.filter(id__in=ids, claim=claim, status=Message.Status.SENDING).update(
            status=Message.Status.PENDING, claim="", claimed_at=None
        )
        logger.warning("The Celery broker did not answer; %s emails wait for the next scan.", len(ids))


def retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter, never more than ten minutes."""
    ceiling = min(MAX_COUNTDOWN, settings.NOTIFICATION_RETRY_BASE * 2**retries)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


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


def told_about_each(kind: Kind, abouts) -> set[tuple[int, str, int]]:
    """(object id, occasion, person id) for every email of `kind` about one of `abouts` (a query):
    `told` for a scan over many objects at once."""
    return set(
        Message.objects.filter(
            kind=kind.key, about_type=ContentType.objects.get_for_model(abouts.model), about_id__in=abouts.values("pk")
        ).values_list("about_id", "occasion", "recipient_id")
    )


def message_id(message: Message) -> str:
    """The same for every try at sending one outbox row: should a kill in the one gap the
    mailer leaves (see mailer.py) send it twice, mail programs show the two as one email."""
    return f"<{message.kind}.{message.pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}>"


def message_render(message: Message) -> EmailMultiAlternatives:
    """The email for one outbox row: subject, plain text and HTML from the kind's templates."""
    kind = kind_named(message.kind)
    unsubscribe_link = unsubscribe_url(message.recipient, kind) if message.recipient_id else ""
    context = {
        "recipient": message.recipient,
        "collaborative": message.collaborative,
        "about": message.about,
        "message": message,
        "kind": kind,
        "site_url": settings.SITE_URL.rstrip("/"),
        "collaborative_url": site_url(message.collaborative.get_absolute_url()),
        "preferences_url": site_url(reverse("notifications:preferences")),
        "unsubscribe_url": unsubscribe_link,
        **(kind.context(message) if kind.context else {}),
    }
    # A subject is plain text: undo the HTML escaping templates apply ("&amp;" to "&").
    subject = html.unescape(" ".join(render_to_string(kind.template_name("_subject.txt"), context).split()))
    email = EmailMultiAlternatives(
        subject=f"{message.collaborative.name}: {subject}",
        body=render_to_string(kind.template_name(".txt"), context),
        to=[message.address],
        headers={"Auto-Submitted": "auto-generated", "Message-ID": message_id(message)},
    )
    if unsubscribe_link:
        email.extra_headers["List-Unsubscribe"] = f"<{unsubscribe_link}>"
        email.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.attach_alternative(render_to_string(kind.template_name(".html"), context), "text/html")
    if kind.attachments is not None:
        for filename, content, mimetype in kind.attachments(message):
            email.attach(filename, content, mimetype)
    return email


def _why_not_send(message: Message, preferences: dict, memberships: set) -> str:
    try:
        kind = kind_named(message.kind)
    except UnknownKind:
        return "This kind of email is no longer sent."
    if kind.skip_reason is not None and (reason := kind.skip_reason(message)):
        return reason
    recipient = message.recipient
    if recipient is None:
        return ""
    if not recipient.is_active:
        return "The account is closed."
    if (recipient.pk, message.collaborative_id) not in memberships:
        return "No longer a member of this Collaborative."
    preference = preferences.get((recipient.pk, message.kind))
    if preference is not None and not preference.enabled:
        return "The member has turned off this kind of email."
    return ""


def _record(message: Message, claim: str, status: str, error: str = "", *, attempt: bool = False) -> None:
    changes = {"status": status, "last_error": error[:2000]}
    if attempt:
        changes["attempts"] = F("attempts") + 1
        # A row waiting for a retry is still in hand: the scan must not claim it again.
        changes["claimed_at"] = timezone.now()
    Message.objects.filter(pk=message.pk, claim=claim, status=Message.Status.SENDING).update(**changes)


def messages_send(*, claim: str, ids: list[int]) -> int:
    """Send the claimed messages in `ids`; returns how many were sent.

    A message already sent, or claimed again by a later scan, is left alone. A failure
    that may pass (the mail server is down) raises TransientDeliveryError so that the
    task retries the rest; a permanent one is recorded and the batch goes on.
    """
    messages = list(
        Message.objects.filter(id__in=ids, claim=claim, status=Message.Status.SENDING)
        .select_related("recipient", "collaborative")
        .prefetch_related("about")
        .order_by("id")
    )
    if not messages:
        return 0
    recipients = {message.recipient_id for message in messages} - {None}
    preferences = {(p.user_id, p.kind): p for p in Preference.objects.filter(user_id__in=recipients)}
    memberships = set(
        Membership.objects.active()
        .filter(user_id__in=recipients, collaborative_id__in={m.collaborative_id for m in messages})
        .values_list("user_id", "collaborative_id")
    )
    sent = 0
    retry_in = float("inf")
    with Mailer() as mailer:
        for message in messages:
            reason = _why_not_send(message, preferences, memberships)
            if reason:
                _record(message, claim, Message.Status.SKIPPED, reason)
                continue
            if not message.address:
                _record(message, claim, Message.Status.FAILED, "The member has no email address.")
                continue
            try:
                email = message_render(message)
            except Exception:
                logger.exception("Could not write email %s (%s)", message.pk, message.kind)
                _record(
                    message,
                    claim,
                    Message.Status.FAILED,
                    "We could not write this email. The problem is on our side; the details are in the site's log.",
                )
                continue

            @contextmanager
            def recording(message=message, email=email):
                # Held open across the final "." of the SMTP message: see mailer.py.
                with transaction.atomic():
                    yield bool(
                        Message.objects.filter(pk=message.pk, claim=claim, status=Message.Status.SENDING).update(
                            status=Message.Status.SENT,
                            sent_at=timezone.now(),
                            sent_to=message.address,
                            subject=email.subject[:200],
                            attempts=F("attempts") + 1,
                            last_error="",
                        )
                    )

            def undo(message=message) -> None:
                # Back to "being sent"; the failure is then recorded as one attempt.
                Message.objects.filter(pk=message.pk, claim=claim, status=Message.Status.SENT).update(
                    status=Message.Status.SENDING, sent_at=None, attempts=F("attempts") - 1
                )

            try:
                sent += mailer.deliver(email, recording=recording, undo=undo)
            except PermanentDeliveryError as error:
                _record(message, claim, Message.Status.FAILED, str(error), attempt=True)
            except RefusedForNowError as error:
                # Only this message waits; the rest of the batch goes on.
                retry_in = min(retry_in, _defer(message, claim, str(error)))
            except TransientDeliveryError as error:
                # The connection itself failed: the task retries the rest of the batch.
                _record(message, claim, Message.Status.SENDING, str(error), attempt=True)
                raise
    if retry_in < float("inf"):
        _dispatch_later(retry_in)
    return sent


def _defer(message: Message, claim: str, error: str) -> float:
    """Put a message refused for now back in the outbox for later; returns the wait in seconds."""
    attempts = message.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        _record(message, claim, Message.Status.FAILED, f"Gave up after {attempts} tries. {error}", attempt=True)
        return float("inf")
    wait = retry_countdown(message.attempts)
    Message.objects.filter(pk=message.pk, claim=claim, status=Message.Status.SENDING).update(
        status=Message.Status.PENDING,
        claim="",
        claimed_at=None,
        due_at=timezone.now() + timedelta(seconds=wait),
        attempts=attempts,
        last_error=error[:2000],
    )
    return wait


def _dispatch_later(seconds: float) -> None:
    """Run a scan when the first deferred message is due; beat's minute scan is the fallback."""
    from notifications.tasks import dispatch_messages_task

    try:
        dispatch_messages_task.apply_async(countdown=seconds)
    except OperationalError:
        logger.warning("Could not queue a scan for deferred emails; beat's next scan will send them.")


def messages_give_up(*, claim: str, ids: list[int], error: str) -> None:
    """After the task's last retry: the message that kept failing is recorded as failed;
    messages not yet tried go back to the outbox for the next scan."""
    unsent = Message.objects.filter(id__in=ids, claim=claim, status=Message.Status.SENDING)
    unsent.filter(attempts__gt=0).update(
        status=Message.Status.FAILED, last_error=f"Gave up after {MAX_ATTEMPTS} tries. {error}"[:2000]
    )
    unsent.filter(attempts=0).update(status=Message.Status.PENDING, claim="", claimed_at=None)


def preferences_for(user: User) -> dict[Kind, Preference]:
    """The person's choice for every kind, with the default (on, weekly) where they made none."""
    saved = {p.kind: p for p in Preference.objects.filter(user=user)}
    return {kind: saved.get(kind.key) or Preference(user=user, kind=kind.key) for kind in member_kinds()}


@transaction.atomic
def preferences_save(*, user: User, choices: dict[Kind, dict]) -> None:
    """Save `{kind: {"enabled": bool, "frequency": str}}` for the person."""
    chosen = {kind.key for kind in member_kinds()}
    for kind, values in choices.items():
        if kind.key not in chosen:
            raise ValueError(f"Unknown kind of message: {kind.key}")
        Preference.objects.update_or_create(user=user, kind=kind.key, defaults=values)
