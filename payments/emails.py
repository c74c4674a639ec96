"""The emails about payments and expenses (registered with notifications in PaymentsConfig.ready()), and the
two scans beat runs for those due on a day rather than on a step a line takes.

A line approved, refused or paid is news for its person, queued by the service that takes the step
(payments/services.py). "You have expenses to claim" goes the morning after a meeting to those who came
and usually claim; the list of what waits goes to the payments contacts on Monday mornings. Amounts
are shown in pounds, worked out here from the pence the lines hold.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from collaborative.working_days import working_days_between
from meetings.models import Attendance, Meeting
from members.models import Collaborative, Membership
from notifications.kinds import Kind
from notifications.links import site_url
from notifications.services import tell_once
from payments.models import Line, LineEvent, PaymentChoice, PaymentSettings
from payments.money import pounds
from payments.selectors import TOO_LONG_WORKING_DAYS, lines_waiting_since, payment_queue, waiting_cutoff

# The scans queue their emails from this time of day, in the Collaborative's time zone.
SEND_TIME = time(9, 0)
# Someone "usually claims" who claimed an expense in the Collaborative in the last six months (about).
USUALLY_CLAIMS_DAYS = 183
# Prompt payment: a line waiting more than this many working days is flagged in the weekly list.
# The weekly list names at most this many of the lines waiting too long; the queue page has the rest.
TOO_LONG_SHOWN = 20


def _day_of(message) -> date:
    """The day the email was due (the scan that queued it), in the Collaborative's time zone."""
    return message.collaborative.local_now(message.due_at).date()


def _page_url(collaborative: Collaborative, name: str) -> str:
    """The full address of one of the Collaborative's payments pages (payments:home, payments:queue…)."""
    try:
        path = reverse(name, kwargs={"slug": collaborative.slug})
    except NoReverseMatch:
        # A page not (yet) in the URL table: the Collaborative's own page rather than no email at all.
        path = collaborative.get_absolute_url()
    return site_url(path)


def _row(line: Line) -> dict:
    """A line as the emails list it: what, when, how much in pounds, and to whom when not the person."""
    return {
        "description": line.description,
        "day": line.activity_on,
        "amount": pounds(line.amount_pence),
        "payee": line.payee,
        "correction": line.reverses_id is not None,
    }


# A line approved, refused or paid: to its person.


def _line_context(message) -> dict:
    line = message.about
    return {
        "line": _row(line),
        "method": line.get_method_display() if line.method else "",
        "payments_url": _page_url(message.collaborative, "payments:home"),
        "booking": line.kind == Line.Kind.BOOKING,
    }


def approved_skip_reason(message) -> str:
    """ "Approved" is stale once the line is paid (that email goes instead), corrected, or no longer approved."""
    line = message.about
    if line is None:
        return "The payment no longer exists."
    if line.corrected:
        return "The payment was corrected since."
    if line.status == Line.Status.PAID:
        return "It was paid since; that email goes instead."
    if line.status != Line.Status.APPROVED:
        return "The payment is no longer approved."
    return ""


PAYMENT_APPROVED = Kind(
    key="payment_approved",
    label="A payment approved",
    description="When the payments contact approves a payment for your time or an expense you claimed.",
    skip_reason=approved_skip_reason,
    context=_line_context,
)


def refused_context(message) -> dict:
    """The reason the payments contact gave, and who they are, from the line's history."""
    event = message.about.events.filter(what=LineEvent.What.REFUSED).select_related("by").last()
    return {
        **_line_context(message),
        "reason": event.note if event else "",
        "refused_by": event.by.display_name if event and event.by else "",
    }


def refused_skip_reason(message) -> str:
    line = message.about
    if line is None:
        return "The payment no longer exists."
    return "" if line.status == Line.Status.REFUSED else "The payment was looked at again since."


PAYMENT_REFUSED = Kind(
    key="payment_refused",
    label="A payment not approved",
    description="When the payments contact does not approve a payment or a claim, with their reason.",
    skip_reason=refused_skip_reason,
    context=refused_context,
)


def corrected_context(message) -> dict:
    """Why the payment was corrected, from its history, and whether a new payment took its place."""
    line = message.about
    event = line.events.filter(what=LineEvent.What.REVERSED).last()
    return {**_line_context(message), "reason": event.note if event else ""}


PAYMENT_CORRECTED = Kind(
    key="payment_corrected",
    label="A payment corrected",
    description="When a payment already approved or paid is corrected (taken back), with the reason.",
    context=corrected_context,
)


def paid_occasion(lines: list[Line]) -> str:
    """The occasion of the one email about a person's lines marked paid together: the first and last of them."""
    pks = sorted(line.pk for line in lines)
    return f"paid-{pks[0]}-{pks[-1]}"


def _paid_lines(message):
    """The person's lines the email is about: paid together, on the day and with the reference of the first."""
    line = message.about
    first, last = (int(pk) for pk in message.occasion.removeprefix("paid-").split("-"))
    return Line.objects.filter(
        collaborative_id=line.collaborative_id,
        user_id=line.user_id,
        pk__range=(first, last),
        status=Line.Status.PAID,
        paid_on=line.paid_on,
        paid_reference=line.paid_reference,
    ).order_by("activity_on", "pk")


def paid_context(message) -> dict:
    line = message.about
    lines = list(_paid_lines(message))
    return {
        "lines": [_row(paid) for paid in lines],
        "total": pounds(sum(paid.amount_pence for paid in lines)),
        "paid_on": line.paid_on,
        "reference": line.paid_reference,
        "payments_url": _page_url(message.collaborative, "payments:home"),
        "booked": _booked_note(line),
    }


def _booked_note(line: Line) -> str:
    """For a ticket booked for the person (never paid to them): what was booked, as the payments contact said."""
    if line.kind != Line.Kind.BOOKING:
        return ""
    event = line.events.filter(what=LineEvent.What.PAID).last()
    return event.note.removeprefix("Booked: ") if event else ""


def paid_skip_reason(message) -> str:
    line = message.about
    if line is None:
        return "The payment no longer exists."
    return "" if _paid_lines(message).exists() else "The payment is no longer marked paid."


PAYMENT_PAID = Kind(
    key="payment_paid",
    label="Payments made to you",
    description="When what you are owed is paid: the day, the amount and the payment's reference.",
    skip_reason=paid_skip_reason,
    context=paid_context,
)


# "You have expenses to claim": the morning after a meeting, to those who came and usually claim.


def claim_deadline(meeting: Meeting) -> date | None:
    """The last day to claim expenses for a meeting, by the settings in force on its day; None when the
    Collaborative did not pay then."""
    day = meeting.local_start.date()
    rules = PaymentSettings.objects.filter(collaborative_id=meeting.collaborative_id).in_force(day)
    if rules is None or not rules.pays:
        return None
    return day + timedelta(days=rules.claim_within_days)


def _claims_for(meeting: Meeting):
    """Expenses claimed for a meeting: linked to it, or claimed for its day without a meeting named."""
    return Line.objects.filter(
        Q(meeting=meeting) | Q(meeting__isnull=True, activity_on=meeting.local_start.date()),
        collaborative_id=meeting.collaborative_id,
        kind=Line.Kind.EXPENSE,
        reverses__isnull=True,
    )


def people_to_remind(meeting: Meeting, now: datetime) -> set[int]:
    """Who should hear "you have expenses to claim" about a meeting: they came, they claimed an expense in
    the Collaborative in the last six months, they have not claimed for this meeting yet, and their choice
    of payment on its day still pays expenses."""
    came = Attendance.objects.filter(meeting=meeting, attended=True).values("user_id")
    usually = set(
        Line.objects.filter(
            collaborative_id=meeting.collaborative_id,
            kind=Line.Kind.EXPENSE,
            reverses__isnull=True,
            user_id__in=came,
            created_at__gte=now - timedelta(days=USUALLY_CLAIMS_DAYS),
        ).values_list("user_id", flat=True)
    )
    usually -= set(_claims_for(meeting).values_list("user_id", flat=True))
    day = meeting.local_start.date()
    choices = PaymentChoice.objects.filter(collaborative_id=meeting.collaborative_id)
    return {
        user_id
        for user_id in usually
        if (choice := choices.filter(user_id=user_id).in_force(day)) is None or choice.paid_expenses
    }


def expenses_context(message) -> dict:
    meeting = message.about
    rules = PaymentSettings.objects.filter(collaborative_id=meeting.collaborative_id).in_force(
        meeting.local_start.date()
    )
    return {
        "meeting_day": meeting.local_start.date(),
        "deadline": claim_deadline(meeting),
        "expense_types": rules.get_expense_types_display() if rules else [],
        "claim_url": _page_url(message.collaborative, "payments:claim"),
        "usually_claims_months": 6,
    }


def expenses_skip_reason(message) -> str:
    """Stale once the register no longer shows the person there, the time to claim has passed, or they have
    claimed for the meeting already."""
    meeting = message.about
    if meeting is None:
        return "The meeting no longer exists."
    if not Attendance.objects.filter(meeting=meeting, user_id=message.recipient_id, attended=True).exists():
        return "The register no longer shows this person at the meeting."
    deadline = claim_deadline(meeting)
    if deadline is None or message.collaborative.local_today() > deadline:
        return "The time to claim expenses for this meeting had passed."
    if _claims_for(meeting).filter(user_id=message.recipient_id).exists():
        return "Expenses for this meeting had been claimed by then."
    return ""


EXPENSES_TO_CLAIM = Kind(
    key="expenses_to_claim",
    label="Expenses to claim after a meeting",
    description=(
        "The day after a meeting you came to, while you can still claim: only if you have claimed "
        "expenses here in the last 6 months."
    ),
    skip_reason=expenses_skip_reason,
    context=expenses_context,
)


def expenses_reminders_queue(*, now: datetime | None = None) -> int:
    """Beat's scan: from 9am (Collaborative time) the day after a meeting, "you have expenses to claim" to
    each person who came and usually claims, while the meeting is within the time to claim. Each person
    hears once per meeting, however often the scan runs (notifications.services.tell_once)."""
    now = now or timezone.now()
    queued = 0
    # A few days back covers every time zone; the local day decides.
    recent = Meeting.objects.scheduled().filter(starts_at__gte=now - timedelta(days=3), starts_at__lt=now)
    for meeting in recent.select_related("collaborative").order_by("starts_at", "pk"):
        collaborative = meeting.collaborative
        local = collaborative.local_now(now)
        if local.time() < SEND_TIME or meeting.local_start.date() != local.date() - timedelta(days=1):
            continue
        deadline = claim_deadline(meeting)
        if deadline is None or local.date() > deadline:
            continue
        people = people_to_remind(meeting, now)
        if people:
            queued += tell_once(
                members=Membership.objects.current_in(collaborative).filter(user_id__in=people),
                collaborative=collaborative,
                kind=EXPENSES_TO_CLAIM,
                about=meeting,
                due_at=now,
            )
    return queued


# The weekly list of what waits: to the payments contacts, on Monday mornings.


def waiting_occasion(monday: date) -> str:
    return f"waiting-{monday.isoformat()}"


def waiting_context(message) -> dict:
    """How many lines wait for approval and to be paid (with their totals), and those waiting too long."""
    collaborative = message.collaborative
    today = _day_of(message)
    totals = {
        row["status"]: row
        for row in payment_queue(collaborative)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"), pence=Sum("amount_pence"))
    }
    too_long = lines_waiting_since(collaborative, waiting_cutoff(today)).select_related("user")
    shown = list(too_long[:TOO_LONG_SHOWN])
    too_long_count = len(shown) if len(shown) < TOO_LONG_SHOWN else too_long.count()
    none = {"count": 0, "pence": 0}
    to_approve = totals.get(Line.Status.WAITING, none)
    to_pay = totals.get(Line.Status.APPROVED, none)
    return {
        "today": today,
        "to_approve": to_approve["count"],
        "to_approve_total": pounds(to_approve["pence"]),
        "to_pay": to_pay["count"],
        "to_pay_total": pounds(to_pay["pence"]),
        "too_long_days": TOO_LONG_WORKING_DAYS,
        "too_long": [
            {
                **_row(line),
                "person": line.user.display_name,
                "status": line.get_status_display(),
                "since": collaborative.local_now(line.created_at).date(),
                "working_days": working_days_between(collaborative.local_now(line.created_at).date(), today),
            }
            for line in shown
        ],
        "too_long_count": too_long_count,
        "too_long_more": too_long_count - len(shown),
        "queue_url": _page_url(collaborative, "payments:queue"),
    }


def waiting_skip_reason(message) -> str:
    """The list is stale once a newer week's is due, once the person is no longer the payments contact, or
    once nothing waits any more."""
    collaborative = message.about
    if collaborative is None:
        return "The Collaborative no longer exists."
    monday = date.fromisoformat(message.occasion.removeprefix("waiting-"))
    if collaborative.local_today() >= monday + timedelta(days=7):
        return "A newer weekly list is due instead."
    contacts = Membership.objects.active().filter(collaborative=collaborative, handles_payments=True)
    if not contacts.filter(user_id=message.recipient_id).exists():
        return "No longer the payments contact."
    if not payment_queue(collaborative).exists():
        return "Nothing was waiting any more."
    return ""


PAYMENTS_WAITING = Kind(
    key="payments_waiting",
    label="What waits to be approved and paid (payments contact)",
    description=(
        "On Monday mornings, when anything waits: how many payments wait for approval, how many are "
        f"approved and not yet paid, and those waiting more than {TOO_LONG_WORKING_DAYS} working days."
    ),
    audience="payments",
    skip_reason=waiting_skip_reason,
    context=waiting_context,
)


def waiting_lists_queue(*, now: datetime | None = None) -> int:
    """Beat's scan: on Mondays from 9am (Collaborative time), the list of what waits to each payments contact,
    once a week however often the scan runs; none when nothing waits. Only on Mondays: someone made the
    payments contact midweek gets the next Monday's."""
    now = now or timezone.now()
    queued = 0
    contacts = Membership.objects.active().filter(handles_payments=True, user__is_active=True)
    for collaborative in Collaborative.objects.filter(pk__in=contacts.values("collaborative_id")).order_by("pk"):
        local = collaborative.local_now(now)
        if local.weekday() != 0 or local.time() < SEND_TIME or not payment_queue(collaborative).exists():
            continue
        queued += tell_once(
            members=Membership.objects.current_in(collaborative).filter(handles_payments=True),
            collaborative=collaborative,
            kind=PAYMENTS_WAITING,
            about=collaborative,
            occasion=waiting_occasion(local.date()),
            due_at=now,
        )
    return queued


KINDS = [PAYMENT_APPROVED, PAYMENT_REFUSED, PAYMENT_PAID, PAYMENT_CORRECTED, EXPENSES_TO_CLAIM, PAYMENTS_WAITING]
