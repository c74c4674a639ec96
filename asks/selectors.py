"""Reads about asks that views, emails and other apps share."""

# ---------------------------------------------------------------------------------------------------------------
# Overdue asks (issue 17, the responder's side): for the home page, the facilitators' digest and the
# commissioners' overview (registered with actions/hooks.py in AsksConfig.ready()).
# ---------------------------------------------------------------------------------------------------------------

from dataclasses import dataclass, field
from datetime import date

from django.urls import NoReverseMatch, reverse

from actions.hooks import Line, Section
from asks.models import Ask
from members.models import Collaborative

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
