"""Writes about asks that span models: the clock, sending, and the links a responder follows.

The clock is counted in working days in England and Wales (collaborative/working_days.py, from the kept
`holidays` library). Every step is an AskEvent; nothing is edited away.
"""

from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.evidence import evidence_kind
from actions.models import Action
from actions.services import action_create
from asks import emails
from asks.models import (
    ANSWER_WORKING_DAYS,
    REMINDER_WORKING_DAYS,
    Answer,
    Ask,
    AskEvent,
    AskEvidence,
    FactCheck,
    ResponderLink,
    Sending,
)
from collaborative.working_days import add_working_days
from notifications.models import Message
from notifications.services import messages_queue, tell_once


def answer_due_on(sent_on: date) -> date:
    """The day an answer is due: 20 working days after the day the ask is sent (that day not counted)."""
    return add_working_days(sent_on, ANSWER_WORKING_DAYS)


def ask_event(*, ask: Ask, what: str, by=None, by_name: str = "", note: str = "", sending=None, answer=None):
    """Add a step to the ask's timeline, and mark the ask as changed now."""
    event = AskEvent(ask=ask, what=what, by=by, by_name=by_name, note=note, sending=sending, answer=answer)
    # No one signed in: the responder (by_name) or the application itself (a reminder); `by` is not blank=True.
    event.full_clean(exclude=["by"] if by is None else None)
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


# ---------------------------------------------------------------------------------------------------------------
# The responder's side (issue 17): sending for a fact check, sending, sending the link again, the responder's
# fact-check comments and answer, and beat's scan for reminders and overdue asks. Every step is an AskEvent.
# ---------------------------------------------------------------------------------------------------------------

# The latest day a responder may ask for: a year from today is plenty, and keeps a mistyped year out.
MORE_TIME_AT_MOST_DAYS = 365
# Beat's scan queues reminders and overdue notices from this time of day, in the Collaborative's time zone.
SEND_TIME = time(9, 0)
# Reminders look this many calendar days ahead: 5 working days before a due date is never further off, even
# across Christmas and the New Year.
LOOK_AHEAD_DAYS = 21


def ask_sent_notify(sending: Sending) -> None:
    """Queue the email with the ask and its link to answer (the sending's newest link) to the responder: after
    `sending_make`, for the first sending, asking again and an escalation alike."""
    link = sending.links.filter(purpose=ResponderLink.Purpose.ANSWER).order_by("-created_at", "-id").first()
    if link is not None:
        emails.responder_email_queue(link)


@transaction.atomic
def ask_fact_check_send(*, ask: Ask, by, today: date) -> ResponderLink:
    """Send a draft ask to its responder to point out factual errors, within its working days for a fact check.
    Their comments are kept beside the ask; they do not change it."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if ask.status != Ask.Status.DRAFT:
        raise ValidationError("Only an ask being written can be sent for a fact check.")
    ask.status = Ask.Status.CHECKING
    ask.fact_check_due_on = add_working_days(today, ask.fact_check_days)
    ask.save(update_fields=["status", "fact_check_due_on"])
    link = responder_link_make(ask=ask, purpose=ResponderLink.Purpose.CHECK)
    ask_event(
        ask=ask,
        what=AskEvent.What.CHECK_SENT,
        by=by,
        # Every member reads the timeline: the responder's address stays on the facilitators' part of the page.
        note=f"To {ask.responder_name}, for comments by {ask.fact_check_due_on:%-d %B %Y}.",
    )
    emails.responder_email_queue(link)
    return link


@transaction.atomic
def ask_send(*, ask: Ask, by, today: date) -> Sending:
    """Send the ask to its responder (from being written, or after the fact check): the clock starts."""
    if Ask.objects.filter(pk=ask.pk, status__in=[Ask.Status.DRAFT, Ask.Status.CHECKING]).count() == 0:
        raise ValidationError("This ask cannot be sent now: only an ask being written or fact-checked can be.")
    sending = sending_make(ask=ask, kind=Sending.Kind.FIRST, by=by, today=today)
    ask_sent_notify(sending)
    return sending


@transaction.atomic
def ask_link_resend(*, ask: Ask, by) -> ResponderLink:
    """A new link, emailed again, for what the responder is asked now (the fact check, or the answer): their
    older links stop working. For an email that went astray, or a link that ran out."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if ask.status == Ask.Status.CHECKING:
        link = responder_link_make(ask=ask, purpose=ResponderLink.Purpose.CHECK)
    elif ask.is_waiting:
        sending = ask.sendings.order_by("-created_at", "-id").first()
        link = responder_link_make(ask=ask, purpose=ResponderLink.Purpose.ANSWER, sending=sending)
    else:
        raise ValidationError("There is no link to send again: the ask is not with the responder now.")
    ask_event(ask=ask, what=AskEvent.What.RESENT, by=by, note="Sent to the responder.", sending=link.sending)
    emails.responder_email_queue(link)
    return link


def _link_locked(link: ResponderLink) -> tuple[Ask, ResponderLink]:
    """(the ask, the link), both locked until the end of the transaction, so that two answers sent at once are
    one. The ask first, then the link, as every service here locks them (sending again, escalating and
    withdrawing lock the ask, then replace its links): the other order would wait on each other for ever."""
    ask = Ask.objects.select_for_update().select_related("collaborative").get(pk=link.ask_id)
    link = ResponderLink.objects.select_for_update(of=("self",)).select_related("sending").get(pk=link.pk)
    link.ask = ask
    return ask, link


def fact_check_open(link: ResponderLink, today: date) -> str:
    """Why a fact-check link takes no more comments ("" while it does)."""
    if link.problem() == "replaced":
        return "A newer link was sent to you: please use the link in the latest email."
    if link.ask.status != Ask.Status.CHECKING:
        return "The ask has been sent, so the time for a fact check is over."
    if link.problem() == "expired" or (link.ask.fact_check_due_on and today > link.ask.fact_check_due_on):
        return "The time for a fact check is over."
    return ""


@transaction.atomic
def fact_check_add(*, link: ResponderLink, name: str, text: str, today: date) -> FactCheck:
    """The responder's comments on factual errors, kept as given; the facilitators are emailed. The link takes
    comments again until the ask is sent or the working days for the fact check have passed."""
    _ask, link = _link_locked(link)
    if problem := fact_check_open(link, today):
        raise ValidationError(problem)
    check = FactCheck(ask=link.ask, link=link, name=name.strip(), text=text.strip())
    check.full_clean()
    check.save()
    # The comments themselves are shown to members only once the ask is sent (asks.views), never in the timeline.
    note = "Comments received: see Fact check comments."
    ask_event(ask=link.ask, what=AskEvent.What.CHECKED, by_name=check.name, note=note)
    emails.fact_check_emails_queue(check)
    return check


def answer_open(link: ResponderLink) -> str:
    """Why an answer link takes no answer ("" while it does): answered, replaced, run out, or not waiting."""
    problem = link.problem()
    if problem == "used":
        return "Your answer is recorded."
    if problem == "replaced":
        return "A newer link was sent to you: please use the link in the latest email."
    if problem == "expired":
        return "This link has run out."
    if not link.ask.is_waiting or link.sending.answered_on is not None:
        return "This ask is no longer waiting for an answer."
    return ""


def _evidence_checked(uploads) -> list[tuple[object, object]]:
    """(the upload, what it really is) for each file, or a ValidationError naming the first refused."""
    checked = []
    for upload in uploads:
        try:
            checked.append((upload, evidence_kind(upload)))
        except ValueError as error:
            # The answer form has no box for a link, so the check's "or a link to it instead" is left out.
            said = str(error).replace(", or a link to it instead", "")
            raise ValidationError({"files": f"{upload.name}: {said}"}) from error
    return checked


@transaction.atomic
def answer_give(
    *,
    link: ResponderLink,
    kind: str,
    text: str,
    name: str,
    role: str = "",
    until: date | None = None,
    uploads=(),
    today: date,
) -> Answer:
    """The responder's answer through their link, kept as given, with any files (checked by what is inside).

    "We need until …" moves the sending's due date to that day, once per sending, and the ask keeps waiting
    (the same link then takes the answer). Any other answer closes the link (it answers once), marks the sending
    and the ask answered, and is emailed to the members. A second answer only comes through a new link (sent
    again, or asked again) and is kept beside the first, never over it."""
    ask, link = _link_locked(link)
    if problem := answer_open(link):
        raise ValidationError(problem)
    sending = Sending.objects.select_for_update().get(pk=link.sending_id)
    if kind == Answer.Kind.MORE_TIME:
        if sending.responder_extended:
            raise ValidationError(
                "You have already moved the due date once. Please answer by "
                f"{sending.due_on:%-d %B %Y}, or write to the facilitator."
            )
        if until is None or until <= sending.due_on:
            raise ValidationError({"until": f"Choose a day after the current due date, {sending.due_on:%-d %B %Y}."})
        if until > today + timedelta(days=MORE_TIME_AT_MOST_DAYS):
            raise ValidationError({"until": "Choose a day within the next year."})
    else:
        until = None
    checked = _evidence_checked(uploads)
    answer = Answer(
        ask=ask,
        sending=sending,
        link=link,
        kind=kind,
        text=text.strip(),
        until=until,
        name=name.strip(),
        role=role.strip(),
    )
    answer.full_clean()
    answer.save()
    for upload, found in checked:
        stem = Path(upload.name or "answer").stem.strip()[:180] or "answer"
        evidence = AskEvidence(
            ask=ask,
            answer=answer,
            description=f"With the answer from {answer.name}",
            file=upload,
            file_name=f"{stem}.{found.extension}",
            file_type=found.content_type,
            file_size=upload.size,
        )
        evidence.full_clean(exclude=["file"])
        evidence.save()
    by_name = f"{answer.name}, {answer.role}" if answer.role else answer.name
    if kind == Answer.Kind.MORE_TIME:
        sending.due_on, sending.responder_extended = until, True
        sending.save(update_fields=["due_on", "responder_extended"])
        ask.due_on = until
        ask.save(update_fields=["due_on"])
        note = f"Asked for more time, until {until:%-d %B %Y}: {answer.text}"
        ask_event(ask=ask, what=AskEvent.What.MORE_TIME, by_name=by_name, note=note, sending=sending, answer=answer)
    else:
        sending.answered_on = today
        sending.save(update_fields=["answered_on"])
        ask.status, ask.answered_on = Ask.Status.ANSWERED, today
        ask.save(update_fields=["status", "answered_on"])
        ResponderLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
        note = f"{answer.get_kind_display()}: {answer.text}"
        ask_event(ask=ask, what=AskEvent.What.ANSWERED, by_name=by_name, note=note, sending=sending, answer=answer)
    emails.answer_emails_queue(answer)
    return answer


def clock_emails_queue(*, now: datetime | None = None) -> int:
    """Beat's scan: from 9am (Collaborative time), a reminder to the responder REMINDER_WORKING_DAYS working days
    before an answer is due and on the day, and a notice to the facilitators once it is overdue. Each goes once
    per sending and due date however often the scan runs (the occasion names both); a reminder is also a step
    on the ask's timeline."""
    now = now or timezone.now()
    queued = 0
    horizon = now.date() + timedelta(days=LOOK_AHEAD_DAYS)
    waiting = Ask.objects.waiting().filter(due_on__lte=horizon).select_related("collaborative").order_by("due_on", "pk")
    for ask in waiting:
        collaborative = ask.collaborative
        local = collaborative.local_now(now)
        if local.time() < SEND_TIME:
            continue
        today = local.date()
        sending = ask.sendings.order_by("-created_at", "-id").first()
        if sending is None or sending.answered_on is not None:
            continue
        if today > sending.due_on:
            queued += tell_once(
                members=emails.facilitators_of(collaborative),
                collaborative=collaborative,
                kind=emails.ASK_OVERDUE,
                about=sending,
                occasion=emails.overdue_occasion(sending),
                due_at=now,
            )
            continue
        before = add_working_days(sending.due_on, -REMINDER_WORKING_DAYS)
        if today == sending.due_on:
            stage = "due"
        elif before <= today and sending.sent_on < before:
            stage = "before"
        else:
            continue
        queued += _remind(sending, stage, now)
    return queued


@transaction.atomic
def _remind(sending: Sending, stage: str, now: datetime) -> int:
    """Queue one reminder to the responder, unless it went already or no link of theirs still answers."""
    occasion = emails.reminder_occasion(sending, stage)
    sent = Message.objects.filter(
        kind=emails.ASK_REMINDER.key,
        about_type=ContentType.objects.get_for_model(Sending),
        about_id=sending.pk,
        occasion=occasion,
    )
    if sent.exists() or emails.answer_link(sending) is None:
        return 0
    messages_queue(
        addresses=[sending.responder_email],
        collaborative=sending.ask.collaborative,
        kind=emails.ASK_REMINDER,
        about=sending,
        occasion=occasion,
        due_at=now,
    )
    when = "today" if stage == "due" else f"in {REMINDER_WORKING_DAYS} working days"
    note = f"Reminded that the answer is due {when}, on {sending.due_on:%-d %B %Y}."
    ask_event(ask=sending.ask, what=AskEvent.What.REMINDED, note=note, sending=sending)
    return 1


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
    note: str = "",
) -> Sending:
    """Escalate, after an answer or when none came in time: to someone else (maybe another organisation),
    with a new clock of 20 working days from today. It is escalated the day the facilitator says so (the
    timeline's date); their note can say why, or when the Collaborative agreed to."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    if not may_escalate(ask, today):
        raise ValidationError("We can escalate only after an answer, or when the answer is overdue.")
    before = f"{ask.responder_name} ({ask.organisation})"
    ask.organisation, ask.responder_name = organisation.strip(), responder_name.strip()
    ask.responder_role, ask.responder_email = responder_role.strip(), responder_email.strip()
    ask.full_clean()
    ask.save(update_fields=["organisation", "responder_name", "responder_role", "responder_email"])
    words = f"Escalated from {before} to {ask.responder_name} ({ask.organisation})."
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
