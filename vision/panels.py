"""What apps above vision show on a goal's page (discussions: the discussions about the goal).

Vision knows no app above it. Such an app registers a panel in its AppConfig.ready(); the goal's page includes
the panels, in order of registration, below the goal's reviews.
"""

from collections.abc import Callable
from dataclasses import dataclass

from members.models import Membership
from vision.models import Goal


@dataclass(frozen=True)
class Panel:
    """A part of a goal's page: `template` is included with the page's context and `panel`, what `context` gave for
    the goal and the viewer's membership (None: the panel is left out)."""

    template: str
    context: Callable[[Goal, Membership], object | None]


@dataclass(frozen=True)
class Shown:
    template: str
    panel: object


_panels: list[Panel] = []


def register(panel: Panel) -> None:
    if panel not in _panels:
        _panels.append(panel)


def panels_for(goal: Goal, membership: Membership) -> list[Shown]:
    """The panels of a goal's page, for the viewer."""
    return [
        Shown(template=panel.template, panel=context)
        for panel in _panels
        if (context := panel.context(goal, membership)) is not None
    ]
