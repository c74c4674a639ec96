"""Delivery: what the worker does with the outbox. Claim what is due, send it, retry what failed for now.

Apps never call this module: they queue emails through notifications/services.py. The Celery
tasks in tasks.py wrap these functions and hand them the tasks to queue next (`hand_out`,
`scan_later`), so this module imports no task and tasks.py imports no module that imports it
back.
"""

import html
import logging
import random
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from members.models import Membership
from notifications.kinds import UnknownKind, digest_kind, kind_named
from notifications.links import site_url, unsubscribe_url
from notifications.mailer import Mailer, PermanentDeliveryError, RefusedForNowError, TransientDeliveryError
from notifications.models import (
    ABOUT_GONE,
    ACCOUNT_CLOSED,
    DIGEST_OFF,
    GAVE_UP,
    NO_ADDRESS,
    NO_SUCH_KIND,
    NOT_A_MEMBER,
    NOT_WRITTEN,
    ON_A_BREAK,
    TURNED_OFF,
    Message,
    Preference,
)

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


def messages_dispatch(*, hand_out: Callable[[str, list[int]], object], now=None) -> int:
    """The scan beat runs every minute: claim what is due and hand it to send tasks.

    `hand_out(claim, ids)` queues one send task (tasks.py passes `send_messages_task.delay`).
    """
    total = 0
    for _ in range(MAX_BATCHES_PER_SCAN):
        claim, ids = messages_claim(now=now)
        for start in range(0, len(ids), SEND_CHUNK):
            transaction.on_commit(partial(_hand_out, hand_out, claim, ids[start : start + SEND_CHUNK]))
        total += len(ids)
        if len(ids) < CLAIM_BATCH:
            break
    return total


def _hand_out(hand_out: Callable[[str, list[int]], object], claim: str, ids: list[int]) -> None:
    """Queue a send task; if the broker is down, put the rows back for the next scan."""
    try:
        hand_out(claim, ids)
    except OperationalError:
        Message.objects.filter(id__in=ids, claim=claim, status=Message.Status.SENDING).update(
            status=Message.Status.PENDING, claim="", claimed_at=None
        )
        logger.warning("The Celery broker did not answer; %s emails wait for the next scan.", len(ids))


def retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter, never more than ten minutes."""
    ceiling = min(MAX_COUNTDOWN, settings.NOTIFICATION_RETRY_BASE * 2**retries)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def message_id(message: Message) -> str:
    """The same for every try at sending one outbox row: should a kill in the one gap the
    mailer leaves (see mailer.py) send it twice, mail programs show the two as one email."""
    return f"<{message.kind}.{message.pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}>"


def message_render(message: Message) -> EmailMultiAlternatives:
    """The email for one outbox row: subject, plain text and HTML from the kind's templates."""
    kind = kind_named(message.kind)
    unsubscribe_link = unsubscribe_url(message.recipient, kind) if message.recipient_id else ""
    reply_address = kind.reply_to(message) if kind.reply_to is not None else None
    context = {
        "recipient": message.recipient,
        "collaborative": message.collaborative,
        "about": message.about,
        "message": message,
        "kind": kind,
        "site_url": settings.SITE_URL.rstrip("/"),
        "collaborative_url": site_url(message.collaborative.get_absolute_url()) if message.collaborative else "",
        "preferences_url": site_url(reverse("notifications:preferences")),
        "unsubscribe_url": unsubscribe_link,
        # Set when replying to the email adds what is written (a comment in a discussion): the email says so.
        "reply_address": reply_address or "",
        **(kind.context(message) if kind.context else {}),
    }
    # A subject is plain text: undo the HTML escaping templates apply ("&amp;" to "&").
    subject = html.unescape(" ".join(render_to_string(kind.template_name("_subject.txt"), context).split()))
    email = EmailMultiAlternatives(
        # The point first, which is all a phone shows of a long subject; the Collaborative after it.
        subject=f"{subject} ({message.collaborative.name})" if message.collaborative else subject,
        body=render_to_string(kind.template_name(".txt"), context),
        to=[message.address],
        headers={"Auto-Submitted": "auto-generated", "Message-ID": message_id(message)},
        reply_to=[reply_address] if reply_address else None,
    )
    if unsubscribe_link:
        email.extra_headers["List-Unsubscribe"] = f"<{unsubscribe_link}>"
        email.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.attach_alternative(render_to_string(kind.template_name(".html"), context), "text/html")
    if kind.attachments is not None:
        for filename, content, mimetype in kind.attachments(message):
            email.attach(filename, content, mimetype)
    return email


def _why_not_send(message: Message, preferences: dict, memberships: dict) -> str:
    try:
        kind = kind_named(message.kind)
    except UnknownKind:
        return NO_SUCH_KIND
    if kind.skip_reason is not None and (reason := kind.skip_reason(message)):
        return reason
    if message.about is None:
        return ABOUT_GONE
    recipient = message.recipient
    if recipient is None:
        return ""
    if not recipient.is_active:
        return ACCOUNT_CLOSED
    if (recipient.pk, message.collaborative_id) not in memberships:
        return NOT_A_MEMBER
    # Taking a break pauses everything the Collaborative sends the person, reminders included.
    break_until = memberships[recipient.pk, message.collaborative_id]
    if break_until is not None and message.collaborative.local_today() <= break_until:
        return ON_A_BREAK.format(until=f"{break_until:%-d %B %Y}")
    preference = preferences.get((recipient.pk, message.kind))
    if preference is not None and not preference.enabled:
        return TURNED_OFF
    if _for_the_digest(kind, preference):
        gathering = digest_kind()
        digest = preferences.get((recipient.pk, gathering.key)) if gathering is not None else None
        if gathering is None or (digest is not None and not digest.enabled):
            return DIGEST_OFF
    return ""


def _for_the_digest(kind, preference: Preference | None) -> bool:
    """Whether the person chose "in my digest" for this kind of email (or made no choice, and it waits by default).
    Muting a discussion needs no check here: nothing about a muted discussion is queued to the person."""
    if not kind.digestible:
        return False
    chosen = preference.in_digest if preference is not None else None
    return kind.digest_default if chosen is None else chosen


def _record(message: Message, claim: str, status: str, error: str = "", *, attempt: bool = False) -> None:
    changes = {"status": status, "last_error": error[:2000]}
    if attempt:
        changes["attempts"] = F("attempts") + 1
        # A row waiting for a retry is still in hand: the scan must not claim it again.
        changes["claimed_at"] = timezone.now()
    Message.objects.filter(pk=message.pk, claim=claim, status=Message.Status.SENDING).update(**changes)


def messages_send(*, claim: str, ids: list[int], scan_later: Callable[[float], object] | None = None) -> int:
    """Send the claimed messages in `ids`; returns how many were sent.

    `scan_later(seconds)` queues a scan for when the first message refused for now is due again
    (tasks.py passes one); without it, beat's minute scan picks those messages up.

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
    memberships = {
        (user_id, collaborative_id): break_until
        for user_id, collaborative_id, break_until in Membership.objects.active()
        .filter(user_id__in=recipients, collaborative_id__in={m.collaborative_id for m in messages})
        .values_list("user_id", "collaborative_id", "break_until")
    }
    sent = 0
    retry_in = float("inf")
    with Mailer() as mailer:
        for message in messages:
            reason = _why_not_send(message, preferences, memberships)
            if reason:
                _record(message, claim, Message.Status.SKIPPED, reason)
                continue
            if message.recipient_id and _for_the_digest(
                kind_named(message.kind), preferences.get((message.recipient_id, message.kind))
            ):
                # Kept for the person's digest, which notifications/digest.py gathers at their time.
                _record(message, claim, Message.Status.HELD)
                continue
            if not message.address:
                _record(message, claim, Message.Status.FAILED, NO_ADDRESS)
                continue
            try:
                email = message_render(message)
            except Exception:
                logger.exception("Could not write email %s (%s)", message.pk, message.kind)
                _record(message, claim, Message.Status.FAILED, NOT_WRITTEN)
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
                            body=email.body,
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
    if retry_in < float("inf") and scan_later is not None:
        _dispatch_later(scan_later, retry_in)
    return sent


def _defer(message: Message, claim: str, error: str) -> float:
    """Put a message refused for now back in the outbox for later; returns the wait in seconds."""
    attempts = message.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        _record(message, claim, Message.Status.FAILED, f"{GAVE_UP} {attempts} tries. {error}", attempt=True)
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


def _dispatch_later(scan_later: Callable[[float], object], seconds: float) -> None:
    """Run a scan when the first deferred message is due; beat's minute scan is the fallback."""
    try:
        scan_later(seconds)
    except OperationalError:
        logger.warning("Could not queue a scan for deferred emails; beat's next scan will send them.")


def messages_give_up(*, claim: str, ids: list[int], error: str) -> None:
    """After the task's last retry: the message that kept failing is recorded as failed;
    messages not yet tried go back to the outbox for the next scan."""
    unsent = Message.objects.filter(id__in=ids, claim=claim, status=Message.Status.SENDING)
    unsent.filter(attempts__gt=0).update(
        status=Message.Status.FAILED, last_error=f"{GAVE_UP} {MAX_ATTEMPTS} tries. {error}"[:2000]
    )
    unsent.filter(attempts=0).update(status=Message.Status.PENDING, claim="", claimed_at=None)
