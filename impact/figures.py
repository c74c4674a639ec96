"""Headline figures for a period, as the public page and the annual report show them.

Every figure about people keeps to the small-number rule (members.models.count_shown: a count of 1 or 2
shows as "fewer than 3"), and no breakdown is shown that could single anyone out: when a perspective is
hidden as "fewer than 3", the next smallest is not shown either, so that the hidden one cannot be worked
out by taking the others from the total. A person's perspectives are counted only when they share them with
members (their profile's "who sees your perspectives"): what they keep to facilitators or to themselves is
never published, even as a number.

The figures are counted in the database, in the same few queries however much data there is.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from actions.models import Action
from asks.models import Sending
from impact.models import EARLIEST, LATEST
from meetings.models import Attendance, Meeting
from members.models import SMALL_GROUP, Collaborative, Perspective, User, Visibility, brings_perspective, count_shown
from payments.models import Line, PaymentSettings
from payments.statements import counted_lines, hours_paid_for, hours_shown
from vision.models import Goal, GoalReview

SMALL_NUMBER_RULE = (
    f"To keep everyone's privacy, a count of 1 or 2 people is shown as “fewer than {SMALL_GROUP}”. When only "
    "one perspective would be hidden that way, the next smallest is not shown either, so that no hidden number "
    "can be worked out from the others."
)
PERSPECTIVES_MEAN = (
    "People are counted by the perspectives they bring, as they share them with members. Someone can bring "
    "more than one, and some people keep theirs private, so these do not add up to the total."
)
HOURS_NOT_RECORDED = (
    "Hours of lived-experience involvement are not shown: this Collaborative does not record involvement payments here."
)
HOURS_MEAN = (
    "Hours of lived-experience involvement are the hours paid for, to people who share that they bring lived "
    "experience of services: a meeting for its length, half a day as 3.5 hours, a day as 7 hours."
)
NOT_SHOWN = "not shown"
# Hours are shown only for whole quarters of the UK financial year, when each had 0 or at least 3 people paid:
# then taking one period's hours from another's (they can overlap) leaves whole quarters, each of at least 3
# people (or of none), and never one or two people's hours.
QUARTERS = "April to June, July to September, October to December, January to March"
HOURS_WHOLE_QUARTERS = (
    f"not shown: hours are shown for whole quarters ({QUARTERS}) when at least {SMALL_GROUP} people were paid in each"
)
HOURS_SMALL_QUARTER = f"not shown: fewer than {SMALL_GROUP} people were paid in one of the quarters"
GUESTS = "Guests at meetings (not members; counted at each meeting)"


@dataclass(frozen=True)
class Figure:
    """One line of figures: what it counts, and the number as it may be shown ("fewer than 3", "12")."""

    label: str
    shown: str
    # The exact number, for the report's CSV only where it is not about people (meetings held, asks sent).
    value: int | None = None
    # A name for the line that does not change with its wording: "meetings_held", or a perspective's value.
    key: str = ""


@dataclass(frozen=True)
class Figures:
    start: date
    end: date
    headline: list[Figure] = field(default_factory=list)
    # People who came to meetings, by perspective (small numbers hidden).
    by_perspective: list[Figure] = field(default_factory=list)
    # The sentences a page shows with the figures: the small-number rule, what is counted, what is missing.
    notes: list[str] = field(default_factory=list)
    # Whether the Collaborative recorded involvement payments in the period (else no hours are shown).
    hours_recorded: bool = False

    def figure(self, key: str) -> Figure | None:
        """The headline figure named `key`, or None when it is not shown."""
        return next((figure for figure in self.headline if figure.key == key), None)


def period_bounds(collaborative: Collaborative, start: date, end: date) -> tuple[datetime, datetime]:
    """The first moment of `start` and the first moment after `end`, on the Collaborative's clocks. Days
    before EARLIEST or after LATEST count as those (nothing happened then), so no date overflows."""
    zone = collaborative.zone
    start, end = max(start, EARLIEST), min(end, LATEST)
    since = datetime.combine(start, time(0), tzinfo=zone)
    return since, datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)


def figures_for(collaborative: Collaborative, start: date, end: date) -> Figures:
    """The figures for the days from `start` to `end`, both included, in the Collaborative's dates."""
    since, until = period_bounds(collaborative, start, end)
    today = collaborative.local_today()
    meetings, came, perspectives = _meetings(collaborative, since, until)
    headline = [
        Figure("Meetings held", str(meetings["held"]), meetings["held"], "meetings_held"),
        Figure("People who came to meetings (each counted once)", count_shown(came), None, "people_came"),
        Figure(GUESTS, count_shown(meetings["guests"]), None, "guests"),
    ]
    notes = [SMALL_NUMBER_RULE, PERSPECTIVES_MEAN]
    recorded = _payments_recorded(collaborative, start, end)
    if recorded:
        headline.append(_hours(collaborative, start, end))
        notes.append(HOURS_MEAN)
    else:
        notes.append(HOURS_NOT_RECORDED)
    headline += _actions_and_goals(collaborative, start, end, since, until)
    headline += _asks(collaborative, start, end, today)
    return Figures(
        start=start,
        end=end,
        headline=headline,
        by_perspective=perspective_figures(perspectives),
        notes=notes,
        hours_recorded=recorded,
    )


def meetings_held(collaborative: Collaborative, since: datetime, until: datetime):
    """The meetings that went ahead (not cancelled) and have ended, starting from `since` and before `until`."""
    return Meeting.objects.filter(
        collaborative=collaborative,
        status=Meeting.Status.SCHEDULED,
        starts_at__gte=since,
        starts_at__lt=until,
        ends_at__lte=timezone.now(),
    )


def _meetings(collaborative: Collaborative, since: datetime, until: datetime) -> tuple[dict, int, dict[str, int]]:
    """(meetings held and guests who came, how many people came, how many of them bring each perspective):
    two queries. The second counts the people with each list of perspectives (a few dozen lists at most)."""
    held = meetings_held(collaborative, since, until)
    meetings = held.aggregate(held=Count("pk"), guests=Sum("guests", default=0))
    came = User.objects.filter(Exists(Attendance.objects.filter(user=OuterRef("pk"), attended=True, meeting__in=held)))
    lists = (
        came.order_by()
        .values_list("perspectives")
        .annotate(people=Count("pk"), shared=Count("pk", filter=Q(perspectives_visibility=Visibility.MEMBERS)))
    )
    everyone, counts = 0, dict.fromkeys(Perspective.values, 0)
    for values, people, shared in lists:
        everyone += people
        for value in values or []:
            if value in counts:
                counts[value] += shared
    return meetings, everyone, counts


def perspective_figures(counts: dict[str, int]) -> list[Figure]:
    """One line for each perspective, by the small-number rule, and with no breakdown that could single
    anyone out: when any perspective shows as "fewer than 3", the smallest one of 3 or more is not shown
    either, so that taking the shown ones from the total never gives a hidden number."""
    small = [value for value in Perspective.values if 0 < counts[value] < SMALL_GROUP]
    hidden_too = None
    if small:
        larger = [(counts[value], index, value) for index, value in enumerate(Perspective.values)]
        larger = [entry for entry in larger if entry[0] >= SMALL_GROUP]
        if larger:
            hidden_too = min(larger)[2]
    return [
        Figure(label, NOT_SHOWN if value == hidden_too else count_shown(counts[value]), None, value)
        for value, label in Perspective.choices
    ]


def _payments_recorded(collaborative: Collaborative, start: date, end: date) -> bool:
    """Whether the Collaborative paid people for their time at any time in the period: the settings in force
    on its first day, or any made during it, say so. One query."""
    in_force_at_start = (
        PaymentSettings.objects.filter(collaborative=collaborative, valid_from__lte=start)
        .order_by("-valid_from", "-id")
        .values("pk")[:1]
    )
    return (
        PaymentSettings.objects.filter(collaborative=collaborative, pays=True)
        .filter(Q(pk=Subquery(in_force_at_start)) | Q(valid_from__gt=start, valid_from__lte=end))
        .exists()
    )


def whole_quarters(start: date, end: date) -> bool:
    """Whether the period is made of whole quarters of the UK financial year (see QUARTERS): it starts on the
    first day of one and ends on the last day of one."""
    if not (EARLIEST <= start <= end <= LATEST):
        return False
    after = end + timedelta(days=1)
    return start.day == after.day == 1 and start.month in (1, 4, 7, 10) and after.month in (1, 4, 7, 10)


def _hours(collaborative: Collaborative, start: date, end: date) -> Figure:
    """The hours paid for to people who share that they bring lived experience of services. Shown only for a
    period of whole quarters (whole_quarters) in which every quarter had none or at least 3 such people paid:
    else the hours of one or two people could be worked out, from this period's alone or by taking another
    period's from it. Three queries."""
    label = "Hours of lived-experience involvement"
    if not whole_quarters(start, end):
        return Figure(label, HOURS_WHOLE_QUARTERS, None, "hours")
    lived = counted_lines(collaborative, start, end).filter(
        brings_perspective(Perspective.LIVED_EXPERIENCE), user__perspectives_visibility=Visibility.MEMBERS
    )
    # Paid for time in a quarter: their time lines in it add up to more than none (a correction takes one back).
    took_back = Case(When(reverses__isnull=True, then=1), default=-1, output_field=IntegerField())
    paid = (
        lived.filter(kind=Line.Kind.TIME)
        .annotate(quarter=TruncQuarter("activity_on"))
        .values("quarter", "user_id")
        .annotate(lines=Sum(took_back))
        .filter(lines__gt=0)
        .order_by()
    )
    # One row for each person paid in each quarter: a few hundred at most.
    people = Counter(row["quarter"] for row in paid)
    if not people:
        return Figure(label, "none", None, "hours")
    if any(count < SMALL_GROUP for count in people.values()):
        return Figure(label, HOURS_SMALL_QUARTER, None, "hours")
    hours, _ = hours_paid_for(lived)
    return Figure(label, hours_shown(hours), None, "hours")


def _actions_and_goals(collaborative, start: date, end: date, since: datetime, until: datetime) -> list[Figure]:
    """Actions agreed and done in the period; goals active and achieved. Two queries."""
    actions = Action.objects.filter(collaborative=collaborative).aggregate(
        agreed=Count("pk", filter=Q(created_at__gte=since, created_at__lt=until)),
        done=Count("pk", filter=Q(status=Action.Status.DONE, done_at__gte=since, done_at__lt=until)),
    )
    goals = goals_in_period(collaborative, start, end).aggregate(
        active=Count("pk", filter=Q(closed_by_end=False)),
        achieved=Count("pk", filter=Q(achieved_in_period=True)),
    )
    return [
        Figure("Actions agreed", str(actions["agreed"]), actions["agreed"], "actions_agreed"),
        Figure("Actions done", str(actions["done"]), actions["done"], "actions_done"),
        Figure("Goals active at the end of the period", str(goals["active"]), goals["active"], "goals_active"),
        Figure("Goals achieved", str(goals["achieved"]), goals["achieved"], "goals_achieved"),
    ]


CLOSING = (GoalReview.Outcome.ACHIEVED, GoalReview.Outcome.RETIRED)


def goals_in_period(collaborative: Collaborative, start: date, end: date):
    """The goals there were in the period: set by its end, and not achieved or retired before it began;
    annotated with whether they were achieved or retired by its end, and achieved during it."""
    _, until = period_bounds(collaborative, start, end)
    reviews = GoalReview.objects.filter(goal=OuterRef("pk"))
    return (
        Goal.objects.filter(collaborative=collaborative, created_at__lt=until)
        .exclude(Exists(reviews.filter(outcome__in=CLOSING, reviewed_on__lt=start)))
        .annotate(
            closed_by_end=Exists(reviews.filter(outcome__in=CLOSING, reviewed_on__lte=end)),
            achieved_in_period=Exists(
                reviews.filter(outcome=GoalReview.Outcome.ACHIEVED, reviewed_on__gte=start, reviewed_on__lte=end)
            ),
        )
    )


def sendings_in_period(collaborative: Collaborative, start: date, end: date):
    """Every time an ask went out (first, again, an escalation) in the period."""
    return Sending.objects.filter(ask__collaborative=collaborative, sent_on__gte=start, sent_on__lte=end)


def sending_counts(today: date) -> dict:
    """The aggregates of sendings: sent, answered on time, late, unanswered past the due date, and still
    waiting within their time (answered by the due date counts as on time)."""
    unanswered = Q(answered_on__isnull=True)
    return {
        "sent": Count("pk"),
        "on_time": Count("pk", filter=Q(answered_on__lte=F("due_on"))),
        "late": Count("pk", filter=Q(answered_on__gt=F("due_on"))),
        "unanswered": Count("pk", filter=unanswered & Q(due_on__lt=today)),
        "waiting": Count("pk", filter=unanswered & Q(due_on__gte=today)),
    }


def _asks(collaborative: Collaborative, start: date, end: date, today: date) -> list[Figure]:
    """Asks sent in the period and how they were answered. One query."""
    asks = sendings_in_period(collaborative, start, end).aggregate(**sending_counts(today))
    return [
        Figure(label, str(asks[key]), asks[key], f"asks_{key}")
        for key, label in [
            ("sent", "Asks sent to organisations"),
            ("on_time", "Answered on time"),
            ("late", "Answered late"),
            ("unanswered", "Not answered by the due date"),
            ("waiting", "Waiting for an answer, not due yet"),
        ]
    ]
