"""What apps above meetings show on a meeting's pages (the actions app: its matters arising and actions).

Meetings know no app above them. Such an app registers a panel in its AppConfig.ready(), and each
meeting page includes the panels registered for it, in order of registration, where its template says.
"""

from collections.abc import Callable
from dataclasses import dataclass

from meetings.models import Meeting
from members.models import Membership

DETAIL = "detail"  # The meeting's page.
AGENDA_PRINT = "agenda_print"  # Its agenda in large print.


@dataclass(frozen=True)
class Panel:
    """A part of a meeting page: `template` is included with the page's context and `panel`, what `context` gave
    for the meeting and the viewer's membership (None: the panel is left out).

    The meeting's page keeps its panels ready-made for each role until the data changes (see
    templates/meetings/meeting_detail.html): what a panel shows may depend on the viewer's role and on whether
    they facilitate (collaborative.permissions.facilitates), never on who they are, and on the time only
    through the date and whether the meeting has started."""

    page: str
    template: str
    context: Callable[[Meeting, Membership], object | None]


@dataclass(frozen=True)
class Shown:
    """A panel ready to include: its template, and what it shows."""

    template: str
    panel: object


_panels: list[Panel] = []


def register(panel: Panel) -> None:
    if panel.page not in (DETAIL, AGENDA_PRINT):
        raise ValueError(f"No meeting page is called {panel.page!r}.")
    if panel not in _panels:
        _panels.append(panel)


def panels_for(page: str, meeting: Meeting, membership: Membership) -> list[Shown]:
    """The panels of a meeting page, for the viewer."""
    shown = []
    for panel in _panels:
        if panel.page == page and (context := panel.context(meeting, membership)) is not None:
            shown.append(Shown(template=panel.template, panel=context))
    return shown
