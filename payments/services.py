"""Writes of the payments app: settings, choices, and each step a payment line takes.

A line's amount is fixed when it is made. What happens to it after is a change of status, each one
kept as a LineEvent; a correction is a reversal line (the same amount, negative) plus a new line.
"""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.evidence import evidence_kind
from meetings.models import Attendance, Format, Meeting
from members.models import Collaborative, User
from notifications.services import messages_queue
from payments.emails import PAYMENT_APPROVED, PAYMENT_CORRECTED, PAYMENT_PAID, PAYMENT_REFUSED, paid_occasion
from payments.models import Activity, Choice, ExpenseType, Letter, Line, LineEvent, PaymentChoice, PaymentSettings
from payments.money import times_rate
from payments.selectors import choice_on, settings_on
from payments.statements import letter_snapshot


def _event(line: Line, what: str, by: User | None, note: str = "") -> LineEvent:
    return LineEvent.objects.create(line=line, what=what, by=by, note=note[:500], at=timezone.now())


def _set_status(line: Line, status: str, what: str, by: User | None, note: str = "", **fields) -> Line:
    line.status = status
    line.status_since = timezone.now()
    for name, value in fields.items():
        setattr(line, name, value)
    line.save(update_fields=["status", "status_since", *fields])
    _event(line, what, by, note)
    return line


def line_add(*, by: User | None, note: str = "", **fields) -> Line:
    """Make a line (fields as Line's) with its first event; callers hold the transaction."""
    line = Line(created_by=by, created_at=timezone.now(), status_since=timezone.now(), **fields)
    line.full_clean()
    line.save()
    _event(line, LineEvent.What.CREATED, by, note)
    return line


# Settings and choices


@transaction.atomic
def settings_save(
    *, collaborative: Collaborative, by: User, valid_from: date | None = None, **fields
) -> PaymentSettings:
    """New settings from a day on (today unless given); the earlier ones stay, for the days they covered."""
    today = collaborative.local_today()
    valid_from = valid_from or today
    if valid_from < today:
        raise ValidationError("New rates start today or later; earlier payments keep the rates of their day.")
    row = PaymentSettings(
        collaborative=collaborative, set_by=by, set_at=timezone.now(), valid_from=valid_from, **fields
    )
    row.full_clean()
    row.save()
    return row


def choice_for_day(collaborative: Collaborative, user: User, day: date) -> PaymentChoice | None:
    """The choice that settles a line of `day`: the one in force that day or, for a day before the person
    first chose, their first choice (a choice made after the activity still settles it); None before any."""
    return choice_on(collaborative, user, day) or (
        PaymentChoice.objects.filter(collaborative=collaborative, user=user).order_by("valid_from", "id").first()
    )


@transaction.atomic
def choice_make(*, collaborative: Collaborative, user: User, by: User, **fields) -> PaymentChoice:
    """The person's choice from today on; the earlier one stays for the days it covered. Lines that
    waited for a first choice are settled by this one."""
    today = collaborative.local_today()
    choice = PaymentChoice(
        collaborative=collaborative, user=user, made_by=by, made_at=timezone.now(), valid_from=today, **fields
    )
    choice.full_clean()
    choice.save()
    waiting = Line.objects.select_for_update().filter(
        collaborative=collaborative, user=user, status=Line.Status.NEEDS_CHOICE
    )
    for line in waiting:
        _apply_choice(line, choice, by)
    return choice


def _apply_choice(line: Line, choice: PaymentChoice, by: User) -> None:
    """A line for someone's time that waited for their choice: it stands at what they chose, or is cancelled."""
    pence = choice.time_pence(times_rate(line.quantity, line.unit_pence))
    note = f"{choice.get_choice_display()}{' (part of my paid job)' if choice.as_part_of_job else ''}"
    if pence == 0:
        _set_status(line, Line.Status.CANCELLED, LineEvent.What.CHOICE, by, note)
        return
    if pence != line.amount_pence:
        # The amount of a line never changes: this one is cancelled and the chosen amount takes its place.
        _set_status(line, Line.Status.CANCELLED, LineEvent.What.CHOICE, by, note)
        line_add(
            by=by,
            note=note,
            **_copy(line),
            amount_pence=pence,
            payee=choice.charity if choice.choice == Choice.CHARITY else "",
            method=choice.method,
        )
        return
    line.payee = choice.charity if choice.choice == Choice.CHARITY else ""
    line.method = choice.method
    line.save(update_fields=["payee", "method"])
    _set_status(line, Line.Status.WAITING, LineEvent.What.CHOICE, by, note)


def _copy(line: Line) -> dict:
    return {
        name: getattr(line, name)
        for name in (
            "collaborative",
            "user",
            "kind",
            "activity",
            "expense_type",
            "description",
            "activity_on",
            "meeting",
            "quantity",
            "unit_pence",
        )
    }


# Lines that make themselves


def meeting_activity(meeting: Meeting) -> str:
    return Activity.ONLINE if meeting.format == Format.ONLINE else Activity.MEETING


def lines_for_register(*, attendance: Attendance, by: User) -> Line | None:
    """ "Came" on the register makes the person's payment for the meeting, at the rate in force that
    day and as they chose to be paid; "did not come" cancels one not yet approved. Runs in the
    register's transaction (meetings/hooks.py)."""
    meeting, user = attendance.meeting, attendance.user
    collaborative = meeting.collaborative
    day = timezone.localtime(meeting.starts_at, collaborative.zone).date()
    existing = Line.objects.select_for_update().filter(meeting=meeting, user=user, kind=Line.Kind.TIME).live().first()
    if not attendance.attended:
        if existing is not None and existing.status in (Line.Status.NEEDS_CHOICE, Line.Status.WAITING):
            _set_status(existing, Line.Status.CANCELLED, LineEvent.What.CANCELLED, by, "Marked as not there.")
        elif existing is not None:
            # Approved or paid already: the money is corrected, never rubbed out.
            line_reverse(line=existing, by=by, reason="Marked as not there after it was approved.")
        return None
    if existing is not None:
        return existing
    rules = settings_on(collaborative, day)
    rate = rules.rate_pence(meeting_activity(meeting)) if rules else None
    if rate is None and rules is not None and meeting_activity(meeting) == Activity.ONLINE:
        rate = rules.rate_pence(Activity.MEETING)
    if not rate:
        return None
    return _time_line_add(
        by=by,
        note="Came to the meeting.",
        collaborative=collaborative,
        user=user,
        rate=rate,
        activity=meeting_activity(meeting),
        description=f"{meeting.title}, {day:%-d %B %Y}",
        activity_on=day,
        meeting=meeting,
    )


def _time_line_add(
    *, by: User | None, note: str, collaborative: Collaborative, user: User, rate: int, quantity=1, **fields
) -> Line | None:
    """A line for someone's time at `rate` (times `quantity` hours), as they chose to be paid on its day:
    waiting for their first choice, at what they chose, or none when they are not paid for their time."""
    worth = times_rate(quantity, rate)
    choice = choice_for_day(collaborative, user, fields["activity_on"])
    if choice is None:
        # A first choice is asked for before anyone is paid: the line waits for it.
        status, pence, payee, method = Line.Status.NEEDS_CHOICE, worth, "", ""
    else:
        pence = choice.time_pence(worth)
        if pence == 0:
            return None
        status = Line.Status.WAITING
        payee = choice.charity if choice.choice == Choice.CHARITY else ""
        method = choice.method
    return line_add(
        by=by,
        note=note,
        collaborative=collaborative,
        user=user,
        kind=Line.Kind.TIME,
        quantity=quantity,
        unit_pence=rate,
        amount_pence=pence,
        payee=payee,
        method=method,
        status=status,
        **fields,
    )


# Approving and paying


def _must_be(line: Line, *statuses: str, message: str) -> None:
    if line.status not in statuses:
        raise ValidationError(message)


OWN_LINE = "Someone else approves your own payments: another payments contact or a facilitator."


def _not_own(line: Line, by: User | None) -> None:
    """Separation of duties: nobody approves, refuses, corrects or marks paid their own money."""
    if by is not None and by.pk == line.user_id:
        raise ValidationError(OWN_LINE)


@transaction.atomic
def line_approve(*, line: Line, by: User) -> Line:
    line = Line.objects.select_for_update().get(pk=line.pk)
    _not_own(line, by)
    _must_be(line, Line.Status.WAITING, message="Only a line waiting for approval can be approved.")
    if line.kind == Line.Kind.BOOKING:
        raise ValidationError("A ticket is booked for the person, not paid to them: say when it is booked.")
    line = _set_status(line, Line.Status.APPROVED, LineEvent.What.APPROVED, by)
    messages_queue(
        recipients=[line.user], collaborative=line.collaborative, kind=PAYMENT_APPROVED, about=line, occasion="approved"
    )
    return line


@transaction.atomic
def line_refuse(*, line: Line, by: User, reason: str) -> Line:
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why it is not approved: the person will be told.")
    line = Line.objects.select_for_update().get(pk=line.pk)
    _not_own(line, by)
    _must_be(line, Line.Status.WAITING, message="Only a line waiting for approval can be refused.")
    line = _set_status(line, Line.Status.REFUSED, LineEvent.What.REFUSED, by, reason)
    messages_queue(
        recipients=[line.user], collaborative=line.collaborative, kind=PAYMENT_REFUSED, about=line, occasion="refused"
    )
    return line


@transaction.atomic
def line_book(*, line: Line, by: User, note: str, reference: str) -> Line:
    """A ticket asked for is booked: the Collaborative paid for it directly, so it is never in what finance pays
    the person. The line is marked paid today with the booking's reference, the note (what was booked) kept
    in its history, and the person is told."""
    note, reference = note.strip(), reference.strip()
    if not note:
        raise ValidationError({"note": "Say what was booked, for example: return train to Leeds, 9:05."})
    if not reference:
        raise ValidationError({"reference": "Give the booking's reference, so the ticket can be found."})
    line = Line.objects.select_for_update().select_related("collaborative").get(pk=line.pk)
    _not_own(line, by)
    if line.kind != Line.Kind.BOOKING:
        raise ValidationError("Only a ticket to book can be marked booked.")
    # (Approved: a ticket approved before tickets were booked this way.)
    _must_be(
        line, Line.Status.WAITING, Line.Status.APPROVED, message="Only a ticket waiting to be booked can be booked."
    )
    line = _set_status(
        line,
        Line.Status.PAID,
        LineEvent.What.PAID,
        by,
        f"Booked: {note}",
        paid_on=line.collaborative.local_today(),
        paid_reference=reference[:100],
    )
    messages_queue(
        recipients=[line.user],
        collaborative=line.collaborative,
        kind=PAYMENT_PAID,
        about=line,
        occasion=paid_occasion([line]),
    )
    return line


@transaction.atomic
def lines_mark_paid(*, lines: list[Line], by: User, paid_on: date, reference: str) -> list[Line]:
    """Mark approved lines paid on a day, with the payment's reference (a payroll run, a bank reference)."""
    reference = reference.strip()
    if not reference:
        raise ValidationError("Give the payment's reference, so finance can find it.")
    locked = list(Line.objects.select_for_update().filter(pk__in=[line.pk for line in lines]).order_by("pk"))
    if not locked or any(line.status != Line.Status.APPROVED for line in locked):
        raise ValidationError("Only approved lines can be marked paid.")
    for line in locked:
        _not_own(line, by)
        if line.kind == Line.Kind.BOOKING:
            raise ValidationError("A ticket is booked, not paid to the person: say it is booked on its page.")
    newest = max(timezone.localtime(line.created_at, line.collaborative.zone).date() for line in locked)
    if paid_on < newest:
        raise ValidationError(
            f"Give the day it was paid: not before {newest:%-d %B %Y}, the day the newest of these lines was added."
        )
    paid = [
        _set_status(
            line, Line.Status.PAID, LineEvent.What.PAID, by, reference, paid_on=paid_on, paid_reference=reference[:100]
        )
        for line in locked
    ]
    # One email to each person, listing all their lines paid now.
    by_person: dict[tuple[int, int], list[Line]] = {}
    for line in paid:
        by_person.setdefault((line.user_id, line.collaborative_id), []).append(line)
    for theirs in by_person.values():
        messages_queue(
            recipients=[theirs[0].user],
            collaborative=theirs[0].collaborative,
            kind=PAYMENT_PAID,
            about=theirs[0],
            occasion=paid_occasion(theirs),
        )
    return paid


@transaction.atomic
def line_reverse(*, line: Line, by: User, reason: str) -> Line:
    """Correct an approved or paid line: a reversal line of the same amount, negative, approved at once
    (it nets the two off in what finance pays next). A new line, if one is due, is made as usual."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the line is corrected.")
    line = Line.objects.select_for_update().get(pk=line.pk)
    _must_be(line, Line.Status.APPROVED, Line.Status.PAID, message="Only an approved or paid line is corrected.")
    if line.reverses_id or line.corrected:
        raise ValidationError("This line has been corrected already.")
    settled = {"status": Line.Status.APPROVED}
    if line.kind == Line.Kind.BOOKING:
        # A ticket was never paid to the person: its reversal is settled at once, never in what finance pays.
        today = line.collaborative.local_today()
        settled = {"status": Line.Status.PAID, "paid_on": today, "paid_reference": line.paid_reference}
    reversal = line_add(
        by=by,
        note=reason,
        **_copy(line),
        amount_pence=-line.amount_pence,
        payee=line.payee,
        method=line.method,
        reverses=line,
        **settled,
    )
    line.corrected = True
    line.save(update_fields=["corrected"])
    _event(line, LineEvent.What.REVERSED, by, reason)
    # Money taken back is never a surprise: the person is told why (a new amount, if due, is on their page).
    messages_queue(
        recipients=[line.user],
        collaborative=line.collaborative,
        kind=PAYMENT_CORRECTED,
        about=line,
        occasion="corrected",
    )
    return reversal


# Claims, approval and paying

# The kinds of expense that need no receipt: miles driven are paid at a rate, and food and drink is small.
NO_RECEIPT_NEEDED = (ExpenseType.MILEAGE, ExpenseType.SUBSISTENCE)
# A ticket is booked for a journey from today up to this many days ahead.
BOOK_AHEAD_DAYS = 90


def claim_rules(collaborative: Collaborative, user: User, today: date) -> tuple[PaymentSettings | None, str]:
    """(the settings in force today, why the person cannot claim, or "" when they can)."""
    rules = settings_on(collaborative, today)
    if rules is None or not rules.pays or not rules.expense_types:
        return rules, f"{collaborative.name} does not pay expenses."
    choice = choice_on(collaborative, user, today)
    if choice is None:
        return rules, "Before you claim, say how you would like to be paid."
    if choice.choice == Choice.NOTHING:
        return rules, (
            "You chose not to be paid anything, not even expenses, so you cannot claim. "
            "You can change your choice at any time."
        )
    if not choice.paid_expenses:
        return rules, (
            "You said your employer pays your expenses, so you cannot claim them here. "
            "Claim them from your employer, or change your choice if that has changed."
        )
    return rules, ""


def receipt_checked(upload) -> dict:
    """A receipt's fields for a line, checked as action evidence is: by what is in the file, stored under a
    random name (payments.models.receipt_path), the original name kept but ending as what it really is."""
    try:
        kind = evidence_kind(upload)
    except ValueError as error:
        raise ValidationError({"receipt": str(error)}) from error
    stem = Path(upload.name or "receipt").stem.strip()[:150] or "receipt"
    upload.name = f"{stem}.{kind.extension}"
    return {"receipt": upload, "receipt_name": upload.name, "receipt_type": kind.content_type}


@transaction.atomic
def claim_make(
    *,
    collaborative: Collaborative,
    user: User,
    day: date,
    expense_type: str,
    description: str,
    amount_pence: int | None = None,
    miles: Decimal | None = None,
    meeting: Meeting | None = None,
    upload=None,
    booking: bool = False,
) -> Line:
    """An expense the person claims back, or (`booking`) a ticket they ask to be booked for them so they do
    not pay up front, at their estimate, for a day from today up to BOOK_AHEAD_DAYS ahead. What is paid for,
    and the mileage rate, are those of the settings in force on the expense's day; the deadline is today's."""
    today = collaborative.local_today()
    rules, refused = claim_rules(collaborative, user, today)
    if refused:
        raise ValidationError(refused)
    if booking and not today <= day <= today + timedelta(days=BOOK_AHEAD_DAYS):
        ahead = f"A ticket is booked for a day from today up to {BOOK_AHEAD_DAYS} days ahead."
        raise ValidationError({"day": f"{ahead} Give the day of travel."})
    on_the_day = settings_on(collaborative, day)
    if on_the_day is None or not on_the_day.pays or expense_type not in on_the_day.expense_types:
        raise ValidationError({"expense_type": f"We did not pay for this kind of expense on {day:%-d %B %Y}."})
    if meeting is not None and meeting.collaborative_id != collaborative.pk:
        raise ValidationError({"meeting": "Choose one of the meetings listed."})
    if not booking:
        if day > today:
            raise ValidationError({"day": "Claim an expense once you have paid it. To have a ticket booked, say so."})
        if (today - day).days > rules.claim_within_days:
            raise ValidationError(
                {
                    "day": f"Expenses must be claimed within {rules.claim_within_days} days, and "
                    f"{day:%-d %B %Y} is {(today - day).days} days ago. Talk to the payments contact."
                }
            )
    quantity, unit = Decimal(1), 0
    if expense_type == ExpenseType.MILEAGE and not booking:
        if miles is None or miles <= 0:
            raise ValidationError({"miles": "Say how many miles you drove."})
        quantity, unit = miles, on_the_day.mileage_pence
        amount_pence = times_rate(miles, on_the_day.mileage_pence)
    if not amount_pence or amount_pence <= 0:
        raise ValidationError({"amount": "Give the amount in pounds, for example 12.50."})
    receipt = {}
    if upload is not None:
        receipt = receipt_checked(upload)
    elif not booking and expense_type not in NO_RECEIPT_NEEDED:
        raise ValidationError({"receipt": "Add a photo or a scan of the receipt or ticket."})
    choice = choice_on(collaborative, user, today)
    return line_add(
        by=user,
        note="Asked for a ticket to be booked." if booking else "Claimed.",
        collaborative=collaborative,
        user=user,
        kind=Line.Kind.BOOKING if booking else Line.Kind.EXPENSE,
        expense_type=expense_type,
        description=description.strip()[:200],
        activity_on=day,
        meeting=meeting,
        quantity=quantity,
        unit_pence=unit,
        amount_pence=amount_pence,
        method=choice.method,
        status=Line.Status.WAITING,
        **receipt,
    )


@transaction.atomic
def activity_add(
    *,
    collaborative: Collaborative,
    by: User,
    users: list[User],
    activity: str,
    day: date,
    description: str,
    hours: Decimal | None = None,
) -> list[Line]:
    """Another activity (a working group, an interview panel, speaking at a board) for one or several people,
    at the rate in force that day and as each chose to be paid, as the register does for a meeting. Returns
    the lines made: none for those not paid for their time."""
    rules = settings_on(collaborative, day)
    rate = rules.rate_pence(activity) if rules else None
    if rate is None and rules is not None and activity == Activity.ONLINE:
        # As the register does: an online session is paid as a meeting when there is no online rate.
        rate = rules.rate_pence(Activity.MEETING)
    if not rate:
        raise ValidationError({"activity": f"{collaborative.name} has no rate for this on {day:%-d %B %Y}."})
    quantity = Decimal(1)
    if activity == Activity.HOUR:
        if hours is None or hours <= 0:
            raise ValidationError({"hours": "Say how many hours."})
        quantity = hours
    lines = []
    for user in users:
        line = _time_line_add(
            by=by,
            note="Added by a facilitator.",
            collaborative=collaborative,
            user=user,
            rate=rate,
            quantity=quantity,
            activity=activity,
            description=description.strip()[:200],
            activity_on=day,
        )
        if line is not None:
            lines.append(line)
    return lines


@transaction.atomic
def line_correct(*, line: Line, by: User, reason: str, amount_pence: int | None = None) -> tuple[Line, Line | None]:
    """Correct an approved or paid line: its reversal, and, when the right amount is given, a new line at that
    amount, approved at once by the payments contact who corrected it. (reversal, new line or None)"""
    _not_own(line, by)
    reversal = line_reverse(line=line, by=by, reason=reason)
    if not amount_pence:
        return reversal, None
    line.refresh_from_db()
    new = line_add(
        by=by,
        note=f"In place of a corrected line: {reason.strip()}",
        **_copy(line),
        amount_pence=amount_pence,
        payee=line.payee,
        method=line.method,
        receipt=line.receipt.name,
        receipt_name=line.receipt_name,
        receipt_type=line.receipt_type,
        status=Line.Status.APPROVED,
    )
    _event(new, LineEvent.What.APPROVED, by)
    return reversal, new


# Statements, letters and totals


@transaction.atomic
def letter_ask(*, collaborative: Collaborative, user: User, **fields) -> Letter:
    """A member asks for a letter (Letter's kind, period and employer); it waits to be signed."""
    letter = Letter(collaborative=collaborative, user=user, asked_at=timezone.now(), **fields)
    if letter.kind != Letter.Kind.EMPLOYER:
        letter.employer = ""
    letter.full_clean(exclude=["signed_by"])  # Nobody has signed it yet.
    letter.save()
    return letter


@transaction.atomic
def letter_sign(*, letter: Letter, by: User) -> Letter:
    """A facilitator or the payments contact signs a member's letter; never the member's own."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.user_id == by.pk:
        raise ValidationError("Someone else signs your own letter.")
    if letter.status == Letter.Status.SIGNED:
        raise ValidationError("This letter has been signed already.")
    letter.status = Letter.Status.SIGNED
    letter.signed_by = by
    letter.signed_at = timezone.now()
    # A signed letter is a record: what it says now (figures, days, meetings, who signed as what) is kept,
    # and shown from then on, whatever is approved or changes later.
    letter.content = letter_snapshot(letter)
    letter.save(update_fields=["status", "signed_by", "signed_at", "content"])
    return letter
