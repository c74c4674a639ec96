"""Reads about asks that the asks pages, their exports and other apps share."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Q, QuerySet

# ---------------------------------------------------------------------------------------------------------------
# Overdue asks (issue 17, the responder's side): for the home page, the facilitators' digest and the
# commissioners' overview (registered with actions/hooks.py in AsksConfig.ready()).
# ---------------------------------------------------------------------------------------------------------------
from django.urls import NoReverseMatch, reverse

from actions.hooks import Line, Section
from asks.forms import SORTS
from asks.models import Answer, Ask, Sending
from members.models import Collaborative

# The per-organisation figures look back this far: a year of asks.
FIGURES_MONTHS = 12


def filtered_asks(collaborative: Collaborative, filters: dict, today: date) -> QuerySet:
    """The Collaborative's asks narrowed by the asks page's filters (cleaned), in the chosen order."""
    asks = Ask.objects.filter(collaborative=collaborative)
    if query := (filters.get("q") or "").strip():
        asks = asks.filter(
            Q(title__icontains=query)
            | Q(request__icontains=query)
            | Q(reasons__icontains=query)
            | Q(organisation__icontains=query)
        )
    if statuses := filters.get("status"):
        asks = asks.filter(status__in=statuses)
    if filters.get("overdue"):
        asks = asks.overdue(today)
    if organisation := filters.get("organisation"):
        asks = asks.filter(organisation=organisation)
    if goal := filters.get("goal"):
        asks = asks.filter(goal=goal)
    return asks.order_by(*SORTS.get(filters.get("sort") or "newest", SORTS["newest"]))


def year_before(today: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


@dataclass
class OrganisationFigures:
    """What one organisation was asked in the last 12 months, and how it answered."""

    organisation: str
    sent: int = 0
    on_time: int = 0
    late: int = 0
    unanswered: int = 0
    overdue: int = 0  # Of the unanswered: past their due date.
    said: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Answer.Kind.values, 0))


def organisation_figures(collaborative: Collaborative, today: date) -> list[OrganisationFigures]:
    """Per organisation, over the 12 months to `today`: each sending is one ask sent (the first, asking again
    and an escalation each count, to the organisation it went to), answered on time (by its due date, as the
    responder may have moved it), late, or not answered; and what the answers said. Two queries, however many
    asks; most asked first, then A to Z."""
    since = year_before(today)
    sendings = Sending.objects.filter(ask__collaborative=collaborative, sent_on__gt=since, sent_on__lte=today)
    rows = (
        sendings.values("organisation")
        .annotate(
            sent=Count("id"),
            on_time=Count("id", filter=Q(answered_on__isnull=False, answered_on__lte=F("due_on"))),
            late=Count("id", filter=Q(answered_on__isnull=False, answered_on__gt=F("due_on"))),
            unanswered=Count("id", filter=Q(answered_on__isnull=True)),
            overdue=Count("id", filter=Q(answered_on__isnull=True, due_on__lt=today)),
        )
        .order_by()
    )
    figures = {
        row["organisation"]: OrganisationFigures(
            organisation=row["organisation"],
            sent=row["sent"],
            on_time=row["on_time"],
            late=row["late"],
            unanswered=row["unanswered"],
            overdue=row["overdue"],
        )
        for row in rows
    }
    said = (
        Answer.objects.filter(sending__in=sendings.values("pk"))
        .values_list("sending__organisation", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for organisation, kind, n in said:
        if organisation in figures:
            figures[organisation].said[kind] = n
    return sorted(figures.values(), key=lambda row: (-row.sent, row.organisation.lower()))


# The digest and the overview name this many overdue asks at most; the asks page has the rest.
OVERDUE_SHOWN = 10


@dataclass(frozen=True)
class OverdueAsks:
    """How many of the Collaborative's asks are overdue, the longest overdue first (up to a limit), and the
    asks page filtered to them all."""

    count: int
    asks: list[Ask] = field(default_factory=list)
    url: str = ""

    @property
    def more(self) -> int:
        return self.count - len(self.asks)


def asks_page_path(collaborative: Collaborative, query: str = "") -> str:
    """The asks page (filtered by `query`), or the Collaborative's page while it is not in the URL table."""
    try:
        return reverse("asks:list", kwargs={"slug": collaborative.slug}) + query
    except NoReverseMatch:
        return collaborative.get_absolute_url()


def ask_path(ask: Ask) -> str:
    """An ask's page, or the Collaborative's page while it is not in the URL table."""
    try:
        return ask.get_absolute_url()
    except NoReverseMatch:
        return ask.collaborative.get_absolute_url()


def overdue_asks(collaborative: Collaborative, today: date, limit: int = OVERDUE_SHOWN) -> OverdueAsks:
    """The asks waiting for an answer whose due date was before `today` (the Collaborative's today), up to
    `limit` of them, longest overdue first: one query, two when there are `limit` or more (`limit=0`: the count
    alone, in one)."""
    overdue = Ask.objects.filter(collaborative=collaborative).overdue(today)
    shown = list(overdue.select_related("collaborative").order_by("due_on", "pk")[:limit]) if limit else []
    # A short list is the whole count; a full one (or none asked for) is counted.
    count = len(shown) if len(shown) < limit else overdue.count()
    for ask in shown:
        ask.path = ask_path(ask)
    return OverdueAsks(count=count, asks=shown, url=asks_page_path(collaborative, "?overdue=on"))


def overdue_section(collaborative: Collaborative, today: date) -> Section | None:
    """The asks gone past their due date, for the facilitators' digest and the commissioners' overview
    (actions/hooks.py); None when none has."""
    found = overdue_asks(collaborative, today)
    if not found.count:
        return None
    lines = [
        Line(
            text=ask.title,
            path=ask.path,
            note=f"{ask.organisation}, due {ask.due_on:%-d %B %Y}",
        )
        for ask in found.asks
    ]
    return Section(
        heading=f"Asks overdue ({found.count})",
        lines=lines,
        more=f"And {found.more} more." if found.more else "",
        link_text="All overdue asks",
        link_path=found.url,
    )
