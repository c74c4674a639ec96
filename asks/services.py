"""Writes about asks that span models: the clock, sending, and the links a responder follows.

The clock is counted in working days in England and Wales (collaborative/working_days.py, from the kept
`holidays` library). Every step is an AskEvent; nothing is edited away.
"""

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.evidence import evidence_kind
from actions.models import Action
from actions.services import action_create
from asks.models import ANSWER_WORKING_DAYS, Ask, AskEvent, AskEvidence, ResponderLink, Sending
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


# The asks pages for members and facilitators (issue 17): proposing, writing, evidence, the due date, the
# Collaborative's response to an answer, and withdrawing. Each step is an AskEvent. The responder's side (the
# emails, the links they follow, fact checks and answers) is written after this block.

# How the timeline names each field of an ask that a facilitator changes.
FIELD_NAMES = {
    "title": "what we ask, in a line",
    "request": "what we ask",
    "reasons": "why we ask",
    "organisation": "organisation",
    "responder_name": "responder",
    "responder_role": "responder's role",
    "responder_email": "responder's email address",
    "goal": "goal",
    "key_role": "key role",
    "meeting": "meeting",
    "decision": "decision",
    "fact_check_days": "working days for a fact check",
}


def ask_sent_notify(sending: Sending) -> None:
    """Email the responder the ask, with the link to answer it, once the sending is saved.

    A stub here: the responder's side (asks/emails.py) fills it in, queueing the email after the transaction
    commits. Every sending made from the asks pages (asking again, escalating) calls it.
    """


def _check_links(ask: Ask) -> None:
    """Everything an ask points at belongs to its Collaborative."""
    collaborative = ask.collaborative_id
    checks = [
        ("goal", ask.goal, lambda goal: goal.collaborative_id),
        ("key_role", ask.key_role, lambda role: role.collaborative_id),
        ("meeting", ask.meeting, lambda meeting: meeting.collaborative_id),
        ("decision", ask.decision, lambda decision: decision.meeting.collaborative_id),
    ]
    for name, value, owner in checks:
        if value is not None and owner(value) != collaborative:
            raise ValidationError({name: "Choose one from this Collaborative."})


@transaction.atomic
def ask_propose(*, ask: Ask, by) -> Ask:
    """A member proposes an ask; facilitators take it up, or say why not."""
    ask.status = Ask.Status.PROPOSED
    ask.proposed_by = ask.created_by = by
    ask.created_at = ask.updated_at = timezone.now()
    ask.full_clean()
    _check_links(ask)
    ask.save()
    ask_event(ask=ask, what=AskEvent.What.PROPOSED, by=by)
    return ask


@transaction.atomic
def ask_write(*, ask: Ask, by) -> Ask:
    """A facilitator writes an ask: a draft, until it is sent."""
    ask.status = Ask.Status.DRAFT
    ask.created_by = by
    ask.created_at = ask.updated_at = timezone.now()
    ask.full_clean()
    _check_links(ask)
    ask.save()
    ask_event(ask=ask, what=AskEvent.What.WRITTEN, by=by)
    return ask


@transaction.atomic
def ask_take_up(*, ask: Ask, by, take_up: bool, reason: str = "") -> Ask:
    """A facilitator takes up a member's proposal (a draft now), or declines it with a reason."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if ask.status != Ask.Status.PROPOSED:
        raise ValidationError("Only a proposed ask can be taken up or declined.")
    reason = reason.strip()
    if not take_up and not reason:
        raise ValidationError("Say why the ask is not taken up.")
    ask.status = Ask.Status.DRAFT if take_up else Ask.Status.NOT_TAKEN_UP
    ask.save(update_fields=["status"])
    what = AskEvent.What.TAKEN_UP if take_up else AskEvent.What.NOT_TAKEN_UP
    ask_event(ask=ask, what=what, by=by, note=reason)
    return ask


def _shown(ask: Ask, name: str) -> str:
    value = getattr(ask, name)
    if value is None or value == "":
        return "nothing"
    if isinstance(value, date):
        return f"{value:%-d %B %Y}"
    return str(value)


@transaction.atomic
def ask_change(*, ask: Ask, by, changes: dict) -> list[str]:
    """Change what an unsent ask says; the timeline names each field changed, with its old and new value
    (long texts by name only). Returns the fields changed (none: nothing is recorded)."""
    current = Ask.objects.select_for_update().get(pk=ask.pk)
    if not current.is_unsent:
        raise ValidationError("This ask has been sent, so what it says can no longer change.")
    changed, said = [], []
    for name, value in changes.items():
        if getattr(current, name) == value:
            continue
        old = _shown(current, name)
        setattr(current, name, value)
        changed.append(name)
        if name in ("request", "reasons"):
            said.append(f"Changed {FIELD_NAMES[name]}.")
        else:
            said.append(f"Changed the {FIELD_NAMES[name]} from {old} to {_shown(current, name)}.")
    if not changed:
        return []
    current.full_clean()
    _check_links(current)
    current.save(update_fields=changed)
    ask_event(ask=current, what=AskEvent.What.CHANGED, by=by, note="\n".join(said))
    return changed


@transaction.atomic
def ask_evidence_add(*, ask: Ask, by, description: str, link: str = "", upload=None) -> AskEvidence:
    """A file (checked by what is in it, as an action's evidence is) or a link, showing why we ask."""
    evidence = AskEvidence(ask=ask, description=description.strip(), link=link.strip(), added_by=by)
    if upload is not None:
        try:
            kind = evidence_kind(upload)
        except ValueError as error:
            raise ValidationError({"file": str(error)}) from error
        # Named for what it really is: a document cannot be downloaded under a name that would run it.
        stem = Path(upload.name or "evidence").stem.strip()[:180] or "evidence"
        evidence.file_name = f"{stem}.{kind.extension}"
        evidence.file_type = kind.content_type
        evidence.file_size = upload.size
        evidence.file = upload
    if not evidence.link and upload is None:
        raise ValidationError("Add a file or a link.")
    evidence.full_clean(exclude=["file"])
    evidence.save()
    ask_event(ask=ask, what=AskEvent.What.EVIDENCE, by=by, note=evidence.description)
    return evidence


def _current_sending(ask: Ask) -> Sending | None:
    return ask.sendings.order_by("-created_at", "-id").first()


@transaction.atomic
def ask_due_date_change(*, ask: Ask, by, due_on: date, reason: str) -> Ask:
    """A facilitator moves the due date of the answer waited for, with a reason; the current sending's too."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if not ask.is_waiting:
        raise ValidationError("The due date can change only while we wait for an answer.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the due date changes.")
    if ask.sent_on and due_on <= ask.sent_on:
        raise ValidationError("Choose a day after the ask was sent.")
    old = ask.due_on
    if old == due_on:
        raise ValidationError("That is the due date already.")
    sending = _current_sending(ask)
    ask.due_on = due_on
    ask.save(update_fields=["due_on"])
    if sending is not None:
        Sending.objects.filter(pk=sending.pk).update(due_on=due_on)
    note = f"From {old:%-d %B %Y} to {due_on:%-d %B %Y}: {reason}" if old else f"To {due_on:%-d %B %Y}: {reason}"
    ask_event(ask=ask, what=AskEvent.What.DUE_CHANGED, by=by, note=note, sending=sending)
    return ask


def may_escalate(ask: Ask, today: date) -> bool:
    """After an answer, or when the answer is overdue."""
    return ask.status == Ask.Status.ANSWERED or ask.is_overdue(today)


@transaction.atomic
def ask_accept(*, ask: Ask, by, note: str = "") -> Ask:
    """The Collaborative accepts the answer: the ask is closed."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if ask.status != Ask.Status.ANSWERED:
        raise ValidationError("Only an answered ask can be accepted.")
    ask.status = Ask.Status.CLOSED
    ask.save(update_fields=["status"])
    ask_event(ask=ask, what=AskEvent.What.ACCEPTED, by=by, note=note.strip())
    return ask


@transaction.atomic
def ask_follow_up(*, ask: Ask, by, title: str, owner, due_on: date, note: str = "") -> Action:
    """The Collaborative acts on the answer itself: a new action in its action log, linked from the ask, which
    is closed."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if ask.status != Ask.Status.ANSWERED:
        raise ValidationError("Only an answered ask can be followed up with an action.")
    description = f"Following up the answer to our ask “{ask.title}” to {ask.organisation}."
    if note.strip():
        description += f"\n\n{note.strip()}"
    action = action_create(
        action=Action(
            collaborative=ask.collaborative,
            title=title.strip(),
            description=description[:4000],
            owner=owner,
            organisation=ask.organisation,
            due_on=due_on,
            goal=ask.goal,
            key_role=ask.key_role,
        ),
        by=by,
    )
    ask.action = action
    ask.status = Ask.Status.CLOSED
    ask.save(update_fields=["action", "status"])
    ask_event(ask=ask, what=AskEvent.What.FOLLOWED_UP, by=by, note=f"The action “{action.title}”. {note}".strip())
    return action


@transaction.atomic
def ask_again(*, ask: Ask, by, today: date, note: str = "") -> Sending:
    """Ask the same responder again, after an answer: a new clock, a new link, and the email."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if ask.status != Ask.Status.ANSWERED:
        raise ValidationError("We can ask again only after an answer.")
    sending = sending_make(ask=ask, kind=Sending.Kind.AGAIN, by=by, today=today, note=note.strip())
    ask_sent_notify(sending)  # The email to the responder: filled in by the responder's side.
    return sending


@transaction.atomic
def ask_escalate(
    *,
    ask: Ask,
    by,
    today: date,
    organisation: str,
    responder_name: str,
    responder_email: str,
    responder_role: str = "",
    on: date | None = None,
    note: str = "",
) -> Sending:
    """Escalate, after an answer or when none came in time: to someone else (maybe another organisation),
    with a new clock of 20 working days from today. The day it was escalated on is kept in the note (the ask
    goes now, whatever the day)."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if not may_escalate(ask, today):
        raise ValidationError("We can escalate only after an answer, or when the answer is overdue.")
    on = on or today
    if on < today:
        raise ValidationError("Choose today or a later day.")
    before = f"{ask.responder_name} ({ask.organisation})"
    ask.organisation, ask.responder_name = organisation.strip(), responder_name.strip()
    ask.responder_role, ask.responder_email = responder_role.strip(), responder_email.strip()
    ask.full_clean()
    ask.save(update_fields=["organisation", "responder_name", "responder_role", "responder_email"])
    words = f"Escalated on {on:%-d %B %Y} from {before} to {ask.responder_name} ({ask.organisation})."
    if note.strip():
        words += f" {note.strip()}"
    sending = sending_make(ask=ask, kind=Sending.Kind.ESCALATION, by=by, today=today, note=words)
    ask_sent_notify(sending)  # The email to the responder: filled in by the responder's side.
    return sending


@transaction.atomic
def ask_withdraw(*, ask: Ask, by, reason: str) -> Ask:
    """Withdraw an ask that is not finished, with a reason: kept, never deleted; its links stop working."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if ask.status in Ask.FINISHED:
        raise ValidationError("This ask is finished already.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the ask is withdrawn.")
    ask.status = Ask.Status.WITHDRAWN
    ask.save(update_fields=["status"])
    ask_event(ask=ask, what=AskEvent.What.WITHDRAWN, by=by, note=reason)
    return ask
