"""Writes about asks that span models: the clock, sending, and the links a responder follows.

The clock is counted in working days in England and Wales (collaborative/working_days.py, from the kept
`holidays` library). Every step is an AskEvent; nothing is edited away.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from asks.models import ANSWER_WORKING_DAYS, Ask, AskEvent, ResponderLink, Sending
from collaborative.working_days import add_working_days


def answer_due_on(sent_on: date) -> date:
    """The day an answer is due: 20 working days after the day the ask is sent (that day not counted)."""
    return add_working_days(sent_on, ANSWER_WORKING_DAYS)


def ask_event(*, ask: Ask, what: str, by=None, by_name: str = "", note: str = "", sending=None, answer=None):
    """Add a step to the ask's timeline, and mark the ask as changed now."""
    event = AskEvent(ask=ask, what=what, by=by, by_name=by_name, note=note, sending=sending, answer=answer)
    event.full_clean()
    event.save()
    Ask.objects.filter(pk=ask.pk).update(updated_at=event.at)
    return event


def responder_link_make(*, ask: Ask, purpose: str, sending: Sending | None = None) -> ResponderLink:
    """A new link for the responder; any earlier unused link for the same purpose stops working, so only the
    newest email's link answers (a re-send after a lost email, or a new sending)."""
    now = timezone.now()
    ResponderLink.objects.filter(ask=ask, purpose=purpose, used_at=None, replaced_at=None).update(replaced_at=now)
    email = sending.responder_email if sending is not None else ask.responder_email
    link = ResponderLink(ask=ask, purpose=purpose, sending=sending, email=email, created_at=now)
    link.save()
    return link


@transaction.atomic
def sending_make(*, ask: Ask, kind: str, by, today: date, note: str = "") -> Sending:
    """Send the ask (first time, again, or escalated) to its current responder: a new clock of 20 working days
    from today, a new answer link, and the step on the timeline. The caller queues the email."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if kind == Sending.Kind.FIRST and not ask.is_unsent:
        raise ValidationError("This ask has been sent already.")
    sending = Sending(
        ask=ask,
        kind=kind,
        organisation=ask.organisation,
        responder_name=ask.responder_name,
        responder_role=ask.responder_role,
        responder_email=ask.responder_email,
        sent_on=today,
        due_on=answer_due_on(today),
        first_due_on=answer_due_on(today),
        sent_by=by,
    )
    sending.full_clean()
    sending.save()
    ask.status = Ask.Status.ESCALATED if kind == Sending.Kind.ESCALATION else Ask.Status.WAITING
    ask.sent_on, ask.due_on, ask.answered_on = sending.sent_on, sending.due_on, None
    ask.save(update_fields=["status", "sent_on", "due_on", "answered_on"])
    what = {
        Sending.Kind.FIRST: AskEvent.What.SENT,
        Sending.Kind.AGAIN: AskEvent.What.ASKED_AGAIN,
        Sending.Kind.ESCALATION: AskEvent.What.ESCALATED,
    }[kind]
    ask_event(ask=ask, what=what, by=by, note=note, sending=sending)
    responder_link_make(ask=ask, purpose=ResponderLink.Purpose.ANSWER, sending=sending)
    return sending
