"""Reads for statements, letters and the commissioners' totals: a person's lines in a period with their
weekly and monthly totals, what a letter says, and a year's spending without a single name.

What "counts" is the same everywhere: money paid or due. A line counts when it is approved (due) or paid,
and so does a correction's reversal line (approved at once, negative), so that a corrected line and its
reversal add up to nothing. Lines waiting for approval are listed but not counted yet; refused and
cancelled lines never count. A ticket the Collaborative booked for the person is not money paid to them:
it is listed apart ("Booked for you") and never counted.

Totals go by the day of the activity (what the person did in a week or month); beside them, what was paid
to them goes by the day it was paid, as Universal Credit counts money when it is received.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, When
from django.utils import timezone

from collaborative.personal_data import FORMER_MEMBER
from meetings.models import Attendance, Meeting
from members.models import Collaborative, Membership, User, count_shown
from payments.models import Activity, Choice, Letter, Line, PaymentChoice
from payments.money import pounds
from vision.models import VisionVersion

COUNTS = (Line.Status.APPROVED, Line.Status.PAID)
# The longest period a statement covers: six years, as long as financial records are kept (HMRC).
LONGEST = timedelta(days=6 * 366)
# Hours of involvement for the activities not counted by the clock or by the hour.
HALF_DAY_HOURS = Decimal("3.5")
DAY_HOURS = Decimal("7")


def tax_year_start(day: date) -> date:
    """The first day of the UK tax year (6 April) that `day` is in."""
    start = date(day.year, 4, 6)
    return start if day >= start else date(day.year - 1, 4, 6)


def financial_year_start(day: date) -> date:
    """The first day of the financial year (1 April to 31 March, as the NHS and councils count) of `day`."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def default_period(today: date) -> tuple[date, date]:
    """A statement's period when none is asked for: this tax year so far (6 April to today)."""
    return tax_year_start(today), today


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def day_label(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def short_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


class InPounds:
    """Money for time and for expenses, and both, as pages and letters show them (the amounts are pence)."""

    time_pence: int
    expenses_pence: int

    @property
    def total_pence(self) -> int:
        return self.time_pence + self.expenses_pence

    @property
    def time(self) -> str:
        return pounds(self.time_pence)

    @property
    def expenses(self) -> str:
        return pounds(self.expenses_pence)

    @property
    def total(self) -> str:
        return pounds(self.total_pence)


@dataclass
class Total(InPounds):
    """What counts in one week, month or period: for time, for expenses, and both."""

    label: str
    start: date
    end: date
    time_pence: int = 0
    expenses_pence: int = 0

    def add(self, line: Line) -> None:
        if line.kind == Line.Kind.TIME:
            self.time_pence += line.amount_pence
        else:
            self.expenses_pence += line.amount_pence


@dataclass
class Statement:
    """A person's lines in a period (oldest first) with totals of what counts, by week and by month of the
    activity; the totals of what was paid in the period, by the day paid; and the tickets booked for them."""

    person: User
    start: date
    end: date
    lines: list[Line]
    weeks: list[Total]
    months: list[Total]
    whole: Total
    paid_weeks: list[Total]
    paid_months: list[Total]
    paid_whole: Total
    booked: list[Line]
    waiting_pence: int = 0

    @property
    def waiting(self) -> str:
        return pounds(self.waiting_pence)

    @property
    def label(self) -> str:
        return f"{day_label(self.start)} to {day_label(self.end)}"


# How a line waiting for a first choice is put to the person on their own page (the model's label speaks
# of them, for everyone else).
OWN_STATUS_LABELS = {Line.Status.NEEDS_CHOICE: "Waiting for you to say how you would like to be paid"}


def line_labels(line: Line, *, own: bool = False) -> Line:
    """What a page, a statement or a letter shows of a line, worked out once; `own`: said to the person."""
    line.amount = pounds(line.amount_pence)
    line.day = day_label(line.activity_on)
    line.counts = line.status in COUNTS and line.kind != Line.Kind.BOOKING
    if line.reverses_id:
        line.what = f"Correction: {line.description}"
        line.status_label = "Correction (takes the earlier amount back)"
    else:
        line.what = line.description
        line.status_label = (own and OWN_STATUS_LABELS.get(line.status)) or line.get_status_display()
        if line.corrected:
            line.status_label += ", then corrected"
    line.kind_label = "For your time" if line.kind == Line.Kind.TIME else line.get_kind_display()
    line.paid = f"{day_label(line.paid_on)}, reference {line.paid_reference}" if line.paid_on else ""
    return line


def person_lines(collaborative: Collaborative, user: User) -> QuerySet:
    """A person's lines in a Collaborative, newest first (the order of their page)."""
    return Line.objects.filter(collaborative=collaborative, user=user).order_by("-activity_on", "-id")


def _by_week_and_month(dated: list[tuple[date, Line]], whole: Total) -> tuple[list[Total], list[Total]]:
    """Totals of the lines by the week (Monday to Sunday) and the calendar month of their day, each line
    added to `whole` too. Weeks and months with nothing in them are left out."""
    weeks: dict[date, Total] = {}
    months: dict[date, Total] = {}
    for day, line in dated:
        monday = monday_of(day)
        if monday not in weeks:
            sunday = monday + timedelta(days=6)
            weeks[monday] = Total(f"{short_day(monday)} to {short_day(sunday)}", monday, sunday)
        first = day.replace(day=1)
        if first not in months:
            following = (first + timedelta(days=32)).replace(day=1)
            months[first] = Total(f"{first:%B %Y}", first, following - timedelta(days=1))
        weeks[monday].add(line)
        months[first].add(line)
        whole.add(line)
    return [weeks[key] for key in sorted(weeks)], [months[key] for key in sorted(months)]


def statement_for(collaborative: Collaborative, user: User, start: date, end: date, *, own: bool = False) -> Statement:
    """Every line of the person's in the period (by the day of the activity), with the totals of what
    counts by week and by calendar month of the activity; the totals of what was paid to them in the
    period by the day paid (whatever day the activity was); and, apart, the tickets booked for them.
    `own`: the lines are labelled for the person themselves."""
    found = [
        line_labels(line, own=own)
        for line in Line.objects.filter(
            collaborative=collaborative, user=user, activity_on__gte=start, activity_on__lte=end
        ).order_by("activity_on", "id")
    ]
    lines = [line for line in found if line.kind != Line.Kind.BOOKING]
    whole = Total("The whole period", start, end)
    weeks, months = _by_week_and_month([(line.activity_on, line) for line in lines if line.counts], whole)
    paid = (
        Line.objects.filter(
            collaborative=collaborative,
            user=user,
            status=Line.Status.PAID,
            paid_on__gte=start,
            paid_on__lte=end,
        )
        .exclude(kind=Line.Kind.BOOKING)
        .only("kind", "amount_pence", "paid_on")
        .order_by("paid_on", "id")
    )
    paid_whole = Total("Paid in the whole period", start, end)
    paid_weeks, paid_months = _by_week_and_month([(line.paid_on, line) for line in paid], paid_whole)
    return Statement(
        person=user,
        start=start,
        end=end,
        lines=lines,
        weeks=weeks,
        months=months,
        whole=whole,
        paid_weeks=paid_weeks,
        paid_months=paid_months,
        paid_whole=paid_whole,
        booked=[line for line in found if line.kind == Line.Kind.BOOKING],
        waiting_pence=sum(line.amount_pence for line in lines if line.status == Line.Status.WAITING),
    )


def choice_summary(choice: PaymentChoice | None, *, own: bool = True) -> str:
    """A person's choice of how to be paid, in one line, to them (`own`) or about them."""
    you, your = ("You", "your") if own else ("They", "their")
    if choice is None:
        return f"{you} have not said yet how {you.lower()} would like to be paid."
    if choice.as_part_of_job:
        said = f"{you} take part as part of {your} paid job: no payment for {your} time"
        said += f", and {your} employer pays {your} expenses." if choice.employer_pays_expenses else ", expenses only."
        return said
    said = choice.get_choice_display()
    if choice.choice == Choice.LOWER and choice.lower_amount_pence is not None:
        said += f" (at most {pounds(choice.lower_amount_pence)} each time)"
    elif choice.choice == Choice.CHARITY:
        said += f" ({choice.charity})"
    if choice.method and choice.choice not in (Choice.NOTHING, Choice.CHARITY):
        said += f", {choice.get_method_display().lower()}"
    return said + "."


# Letters


@dataclass
class TookPart:
    day: date
    what: str

    @property
    def label(self) -> str:
        return day_label(self.day)


def days_taken_part(collaborative: Collaborative, user: User, start: date, end: date) -> list[TookPart]:
    """The days the person took part in the period: meetings the register says they came to, and other
    activities they were paid (or asked to be paid) for, oldest first, each day and activity once."""
    found: dict[tuple[date, str], TookPart] = {}
    came = (
        Attendance.objects.filter(user=user, attended=True, meeting__collaborative=collaborative)
        .select_related("meeting")
        .order_by("meeting__starts_at")
    )
    for attendance in came:
        meeting = attendance.meeting
        meeting.collaborative = collaborative  # For its day on the Collaborative's clocks.
        day = meeting.local_start.date()
        if start <= day <= end:
            found[day, meeting.title] = TookPart(day, meeting.title)
    activities = (
        Line.objects.filter(
            collaborative=collaborative,
            user=user,
            kind=Line.Kind.TIME,
            meeting__isnull=True,
            reverses__isnull=True,
            activity_on__gte=start,
            activity_on__lte=end,
        )
        .exclude(status__in=Line.ENDED)
        .values_list("activity_on", "description")
    )
    for day, description in activities:
        found.setdefault((day, description), TookPart(day, description))
    return sorted(found.values(), key=lambda took: (took.day, took.what))


@dataclass
class MeetingTime:
    title: str
    day: str
    times: str
    where: str


def meetings_for_letter(collaborative: Collaborative, start: date, end: date, after: datetime) -> list[MeetingTime]:
    """The Collaborative's meetings in the period that go ahead and had not ended by `after`, with their days
    and times on the Collaborative's clocks."""
    meetings = (
        Meeting.objects.filter(collaborative=collaborative, status=Meeting.Status.SCHEDULED, ends_at__gt=after)
        .select_related("venue")
        .order_by("starts_at", "id")
    )
    shown = []
    for meeting in meetings:
        meeting.collaborative = collaborative
        begins, ends = meeting.local_start, meeting.local_end
        if not start <= begins.date() <= end:
            continue
        where = meeting.venue.name if meeting.venue else ""
        if meeting.format == "online":
            where = "online"
        elif meeting.format != "in_person":
            where = f"{where}, or online" if where else "online"
        shown.append(
            MeetingTime(
                title=meeting.title,
                day=f"{begins:%A} {day_label(begins.date())}",
                times=f"{_clock(begins)} to {_clock(ends)}",
                where=where,
            )
        )
    return shown


def _clock(moment: datetime) -> str:
    """10:00 as "10am", 12:30 as "12:30pm"."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def _totals_shown(totals: list[Total]) -> list[dict]:
    return [{"label": t.label, "time": t.time, "expenses": t.expenses, "total": t.total} for t in totals]


def letter_snapshot(letter: Letter) -> dict:
    """What a letter says, beyond the Collaborative, worked out now, in plain values that can be kept
    (Letter.content): the person, the period and the vision; the days they took part, the totals of their
    payments and the tickets booked for them (for a benefits adviser), or the meetings to come (for an
    employer); and, once signed, who signed, as what, and when."""
    collaborative = letter.collaborative
    vision = VisionVersion.objects.current_for(collaborative)
    content = {
        "person": letter.user.display_name,
        "vision": vision.statement if vision else "",
        "period": f"{day_label(letter.period_from)} to {day_label(letter.period_to)}",
        "signer_name": "",
        "signer_role": "",
        "signed_on": "",
    }
    if letter.signed_by_id:
        signer = Membership.objects.filter(collaborative=collaborative, user_id=letter.signed_by_id).first()
        content["signer_name"] = letter.signed_by.display_name or FORMER_MEMBER
        content["signer_role"] = "Facilitator" if signer is not None and signer.is_facilitator else "Payments contact"
        content["signed_on"] = day_label(letter.signed_at.astimezone(collaborative.zone).date())
    if letter.kind == Letter.Kind.BENEFITS:
        took_part = days_taken_part(collaborative, letter.user, letter.period_from, letter.period_to)
        statement = statement_for(collaborative, letter.user, letter.period_from, letter.period_to)
        content["took_part"] = [{"label": took.label, "what": took.what} for took in took_part]
        content["whole"] = _totals_shown([statement.whole])[0]
        content["weeks"] = _totals_shown(statement.weeks)
        content["months"] = _totals_shown(statement.months)
        content["paid_whole"] = _totals_shown([statement.paid_whole])[0]
        content["paid_weeks"] = _totals_shown(statement.paid_weeks)
        content["paid_months"] = _totals_shown(statement.paid_months)
        content["booked"] = [
            {"day": line.day, "what": line.what}
            for line in statement.booked
            if line.status not in Line.ENDED and not line.corrected and not line.reverses_id
        ]
    else:
        # The meetings to come when it was signed (the day the letter bears), or, in the draft, from now.
        after = letter.signed_at or timezone.now()
        meetings = meetings_for_letter(collaborative, letter.period_from, letter.period_to, after=after)
        content["meetings"] = [asdict(meeting) for meeting in meetings]
    return content


def letter_content(letter: Letter) -> dict:
    """What a letter says: a signed letter what it said when it was signed, a draft what it would say now."""
    if letter.status == Letter.Status.SIGNED and letter.content:
        return letter.content
    return letter_snapshot(letter)


# The commissioners' totals


@dataclass
class YearTotals(InPounds):
    """What a financial year cost and gave, never naming anyone."""

    label: str
    start: date
    end: date
    time_pence: int
    expenses_pence: int
    hours: Decimal
    unknown_length: int
    people: str

    @property
    def hours_label(self) -> str:
        return hours_shown(self.hours)


def hours_shown(hours: Decimal) -> str:
    """Hours to one decimal place, without a trailing ".0": "12", "7.5"."""
    hours = hours.quantize(Decimal("0.1"))
    return f"{hours.normalize():f}" if hours == hours.to_integral() else f"{hours:f}"


def _signed(value) -> Case:
    """`value` for a line, or minus it for a reversal line (which takes a line back)."""
    return Case(When(reverses__isnull=True, then=value), default=-value)


def counted_lines(collaborative: Collaborative, start: date, end: date) -> QuerySet:
    """The lines that count (approved or paid, and corrections) for activities from `start` to `end`."""
    return Line.objects.filter(
        collaborative=collaborative, status__in=COUNTS, activity_on__gte=start, activity_on__lte=end
    )


def hours_paid_for(counted: QuerySet) -> tuple[Decimal, int]:
    """(the hours of involvement the time lines among `counted` pay for, how many activities of unknown length
    there were), in two queries however many lines: meetings by their length, hours by the quantity, half a
    day 3.5 hours, a day 7 hours. A correction takes its hours back."""
    groups = (
        counted.filter(kind=Line.Kind.TIME)
        .values("activity", "meeting_id")
        .annotate(quantity=Sum(_signed(F("quantity"))), lines=Sum(_signed(1), output_field=IntegerField()))
        .order_by()
    )
    groups = list(groups)  # One row for each meeting and kind of activity: a few dozen a year.
    lengths = {
        pk: Decimal((ends - starts).total_seconds()) / 3600
        for pk, starts, ends in Meeting.objects.filter(
            pk__in={group["meeting_id"] for group in groups if group["meeting_id"]}
        ).values_list("pk", "starts_at", "ends_at")
    }
    hours, unknown = Decimal(0), 0
    for group in groups:
        activity, quantity, lines = group["activity"], group["quantity"] or Decimal(0), group["lines"] or 0
        if activity in (Activity.MEETING, Activity.ONLINE):
            if group["meeting_id"] in lengths:
                hours += lengths[group["meeting_id"]] * lines
            else:
                unknown += lines
        elif activity == Activity.HOUR:
            hours += quantity
        elif activity == Activity.HALF_DAY:
            hours += HALF_DAY_HOURS * quantity
        elif activity == Activity.DAY:
            hours += DAY_HOURS * quantity
        else:
            unknown += lines
    return hours, max(unknown, 0)


def year_totals(collaborative: Collaborative, start: date, end: date, label: str) -> YearTotals:
    """Spending on time and on expenses in a year (by the day of each activity), the hours of involvement
    people were paid for, and how many people were paid (by the small-number rule)."""
    counted = counted_lines(collaborative, start, end)
    money = counted.aggregate(
        time=Sum("amount_pence", filter=Q(kind=Line.Kind.TIME), default=0),
        expenses=Sum("amount_pence", filter=~Q(kind=Line.Kind.TIME), default=0),
    )
    # Paid anything in the year: what counts of theirs adds up to more than nothing.
    people_count = counted.values("user_id").annotate(net=Sum("amount_pence")).filter(net__gt=0).order_by().count()
    hours, unknown = hours_paid_for(counted)
    return YearTotals(
        label=label,
        start=start,
        end=end,
        time_pence=money["time"],
        expenses_pence=money["expenses"],
        hours=hours,
        unknown_length=unknown,
        people=count_shown(people_count),
    )


def totals_for(collaborative: Collaborative, today: date) -> list[YearTotals]:
    """This financial year so far and the last one."""
    this_start = financial_year_start(today)
    last_start = date(this_start.year - 1, 4, 1)
    return [
        year_totals(
            collaborative,
            this_start,
            date(this_start.year + 1, 3, 31),
            f"This financial year, 1 April {this_start.year} to 31 March {this_start.year + 1}",
        ),
        year_totals(
            collaborative,
            last_start,
            this_start - timedelta(days=1),
            f"Last financial year, 1 April {last_start.year} to 31 March {this_start.year}",
        ),
    ]
