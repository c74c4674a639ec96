"""The emails about asks (registered with notifications in AsksConfig.ready()), and what queues them; beat's
scan for the reminders and overdue notices due on a day is asks.services.clock_emails_queue.

To the responder, who may have no account (sent to their address): the request to fact-check an ask, the
ask itself with the link to answer, and reminders 5 working days before the due date and on it. To the
Collaborative's members: the answer received. To its facilitators: fact-check comments received, an
answer received (or a request for more time), and an ask gone overdue.

A responder's email is about the `ResponderLink` it carries, so it goes stale the moment the link stops
working (used, replaced by a newer one, or the ask withdrawn). A reminder is about the `Sending` and names
its due date in its occasion, so one for a due date since moved, or for an ask answered since, is skipped.
"""

from datetime import date

from django.urls import NoReverseMatch

from asks.links import responder_path
from asks.models import REMINDER_WORKING_DAYS, Answer, Ask, AskEvent, FactCheck, ResponderLink, Sending
from collaborative.working_days import working_days_between
from members.models import Membership
from notifications.kinds import Kind
from notifications.links import site_url
from notifications.services import messages_queue, tell_once


def ask_url(ask: Ask) -> str:
    """The full address of the ask's page, for facilitators and members (the Collaborative's page while the
    asks pages are not in the URL table)."""
    try:
        return site_url(ask.get_absolute_url())
    except NoReverseMatch:
        return site_url(ask.collaborative.get_absolute_url())


def link_url(link: ResponderLink) -> str:
    return site_url(responder_path(link))


def ask_contact(ask: Ask):
    """The facilitator a responder can write to: whoever last sent the ask (or its link) out, else whoever
    wrote it; None if neither has an account any more."""
    sent = (
        ask.events.filter(by__isnull=False, what__in=CONTACT_STEPS).select_related("by").order_by("-at", "-id").first()
    )
    person = sent.by if sent is not None else ask.created_by
    return person if person is not None and person.is_active else None


CONTACT_STEPS = [
    AskEvent.What.CHECK_SENT,
    AskEvent.What.SENT,
    AskEvent.What.RESENT,
    AskEvent.What.ASKED_AGAIN,
    AskEvent.What.ESCALATED,
]


def _day_of(message) -> date:
    return message.collaborative.local_now(message.due_at).date()


def _ask_context(ask: Ask) -> dict:
    contact = ask_contact(ask)
    return {
        "ask": ask,
        "evidence": [item for item in ask.evidence.all() if item.answer_id is None],
        "contact_name": contact.display_name if contact else "",
        "contact_email": contact.email if contact else "",
    }


# To the responder


def _link_problem(link: ResponderLink | None) -> str:
    """Why an email carrying `link` is stale news, or ""."""
    if link is None:
        return "The link no longer exists."
    if link.ask.status in (Ask.Status.WITHDRAWN, Ask.Status.NOT_TAKEN_UP):
        return "The ask was withdrawn."
    problem = link.problem()
    if problem == "replaced":
        return "A newer link was sent since."
    if problem == "used":
        return "They had answered by then."
    if problem == "expired":
        return "The link had run out."
    return ""


def fact_check_context(message) -> dict:
    link = message.about
    return {**_ask_context(link.ask), "link_url": link_url(link), "check_by": link.ask.fact_check_due_on}


def fact_check_skip_reason(message) -> str:
    link = message.about
    if problem := _link_problem(link):
        return problem
    return "" if link.ask.status == Ask.Status.CHECKING else "The ask was sent since."


ASK_FACT_CHECK = Kind(
    key="ask_fact_check",
    label="An ask to check for factual errors (responder)",
    description="Before an ask is sent, its responder is asked to point out anything in it that is not right.",
    to_address=True,
    skip_reason=fact_check_skip_reason,
    context=fact_check_context,
)


def sent_context(message) -> dict:
    link = message.about
    sending = link.sending
    # An escalation names who was asked before: the ask itself names the new organisation and responder now.
    before = link.ask.sendings.exclude(pk=sending.pk).filter(created_at__lte=sending.created_at)
    return {
        **_ask_context(link.ask),
        "sending": sending,
        "previous": before.order_by("-created_at", "-id").first(),
        "link_url": link_url(link),
        "due_on": sending.due_on,
        "working_days": working_days_between(sending.sent_on, sending.due_on),
        "expires_on": link.expires_at.date(),
        "answer_kinds": Answer.Kind.choices,
    }


def sent_skip_reason(message) -> str:
    return _link_problem(message.about)


ASK_SENT = Kind(
    key="ask_sent",
    label="An ask to answer (responder)",
    description="The ask, with the link to answer it, to the person named to answer.",
    to_address=True,
    skip_reason=sent_skip_reason,
    context=sent_context,
)


def reminder_occasion(sending: Sending, stage: str) -> str:
    """ "before" (REMINDER_WORKING_DAYS working days before the due date) or "due" (on the day): one email
    each per due date."""
    return f"reminder-{sending.pk}-{stage}-{sending.due_on.isoformat()}"


def _reminder_stage(occasion: str) -> tuple[str, date]:
    parts = occasion.split("-")
    return parts[2], date.fromisoformat("-".join(parts[3:6]))


def answer_link(sending: Sending) -> ResponderLink | None:
    """The sending's link that still answers, if any."""
    for link in sending.links.filter(purpose=ResponderLink.Purpose.ANSWER).order_by("-created_at", "-id"):
        return link if not link.problem() else None
    return None


def reminder_context(message) -> dict:
    sending = message.about
    stage, due_on = _reminder_stage(message.occasion)
    link = answer_link(sending)
    return {
        **_ask_context(sending.ask),
        "sending": sending,
        "stage": stage,
        "due_on": due_on,
        "days_before": REMINDER_WORKING_DAYS,
        "link_url": link_url(link) if link else "",
        "answer_kinds": Answer.Kind.choices,
    }


def _sending_stale(sending: Sending | None, due_on: date) -> str:
    """Why news about a sending's clock is stale: answered, withdrawn, sent again, or the due date moved."""
    if sending is None:
        return "The ask no longer exists."
    ask = sending.ask
    if sending.answered_on is not None:
        return "They had answered by then."
    if ask.status in (Ask.Status.WITHDRAWN, Ask.Status.NOT_TAKEN_UP):
        return "The ask was withdrawn."
    if not ask.is_waiting:
        return "The ask was no longer waiting for an answer."
    if ask.sendings.filter(created_at__gt=sending.created_at).exists():
        return "The ask was sent again since."
    if sending.due_on != due_on:
        return "The due date has changed."
    return ""


def reminder_skip_reason(message) -> str:
    sending = message.about
    if sending is None:
        return "The ask no longer exists."
    if reason := _sending_stale(sending, _reminder_stage(message.occasion)[1]):
        return reason
    return "" if answer_link(sending) else "The link to answer no longer works."


ASK_REMINDER = Kind(
    key="ask_reminder",
    label="A reminder to answer an ask (responder)",
    description=f"{REMINDER_WORKING_DAYS} working days before an answer is due, and on the day.",
    to_address=True,
    skip_reason=reminder_skip_reason,
    context=reminder_context,
)


# To members and facilitators


def _answer_context(message) -> dict:
    answer = message.about
    ask = answer.ask
    return {
        "ask": ask,
        "answer": answer,
        "sending": answer.sending,
        "files": list(answer.files.all()),
        "ask_url": ask_url(ask),
        "on_time": answer.sending.answered_on_time,
        "follow_up": ask.answers.filter(created_at__lt=answer.created_at).exclude(kind=Answer.Kind.MORE_TIME).exists(),
    }


def _answer_skip_reason(message) -> str:
    answer = message.about
    if answer is None:
        return "The answer no longer exists."
    return "The ask was withdrawn." if answer.ask.status == Ask.Status.WITHDRAWN else ""


ASK_ANSWERED = Kind(
    key="ask_answered",
    label="Answers to our asks",
    description="When an organisation the Collaborative asked for something answers: what they said.",
    skip_reason=_answer_skip_reason,
    context=_answer_context,
)

ASK_ANSWERED_FACILITATORS = Kind(
    key="ask_answered_facilitators",
    label="An answer to an ask, to respond to (facilitators)",
    description="When a responder answers an ask or asks for more time, so you can record the response.",
    audience="facilitator",
    skip_reason=_answer_skip_reason,
    context=_answer_context,
)


def fact_checked_context(message) -> dict:
    check = message.about
    return {"ask": check.ask, "check": check, "ask_url": ask_url(check.ask)}


def fact_checked_skip_reason(message) -> str:
    check = message.about
    if check is None:
        return "The comments no longer exist."
    return "The ask was withdrawn." if check.ask.status == Ask.Status.WITHDRAWN else ""


ASK_FACT_CHECKED = Kind(
    key="ask_fact_checked",
    label="Fact-check comments on an ask (facilitators)",
    description="When a responder points out something in an ask that is not right, before it is sent.",
    audience="facilitator",
    skip_reason=fact_checked_skip_reason,
    context=fact_checked_context,
)


def overdue_occasion(sending: Sending) -> str:
    return f"overdue-{sending.pk}-{sending.due_on.isoformat()}"


def overdue_context(message) -> dict:
    sending = message.about
    due_on = date.fromisoformat(message.occasion[-10:])
    return {
        "ask": sending.ask,
        "sending": sending,
        "due_on": due_on,
        "working_days_late": working_days_between(due_on, _day_of(message)),
        "ask_url": ask_url(sending.ask),
    }


def overdue_skip_reason(message) -> str:
    sending = message.about
    if sending is None:
        return "The ask no longer exists."
    return _sending_stale(sending, date.fromisoformat(message.occasion[-10:]))


ASK_OVERDUE = Kind(
    key="ask_overdue",
    label="An ask gone past its due date (facilitators)",
    description="The day after an answer was due and none came: to remind, ask again or escalate.",
    audience="facilitator",
    skip_reason=overdue_skip_reason,
    context=overdue_context,
)

KINDS = [
    ASK_FACT_CHECK,
    ASK_SENT,
    ASK_REMINDER,
    ASK_ANSWERED,
    ASK_ANSWERED_FACILITATORS,
    ASK_FACT_CHECKED,
    ASK_OVERDUE,
]


# Queued by the services (asks/services.py) and by beat's scan below.


def facilitators_of(collaborative):
    return Membership.objects.current_in(collaborative).filter(role=Membership.Role.FACILITATOR)


def responder_email_queue(link: ResponderLink) -> None:
    """The email carrying a new link to the responder: the fact-check request or the ask itself."""
    messages_queue(
        addresses=[link.email],
        collaborative=link.ask.collaborative,
        kind=ASK_FACT_CHECK if link.purpose == ResponderLink.Purpose.CHECK else ASK_SENT,
        about=link,
    )


def answer_emails_queue(answer: Answer) -> None:
    """The facilitators hear of every answer (more time included); the other members of a real answer."""
    collaborative = answer.ask.collaborative
    facilitators = facilitators_of(collaborative)
    tell_once(members=facilitators, collaborative=collaborative, kind=ASK_ANSWERED_FACILITATORS, about=answer)
    if answer.kind != Answer.Kind.MORE_TIME:
        members = Membership.objects.current_in(collaborative).exclude(role=Membership.Role.FACILITATOR)
        tell_once(members=members, collaborative=collaborative, kind=ASK_ANSWERED, about=answer)


def fact_check_emails_queue(check: FactCheck) -> None:
    collaborative = check.ask.collaborative
    tell_once(members=facilitators_of(collaborative), collaborative=collaborative, kind=ASK_FACT_CHECKED, about=check)
