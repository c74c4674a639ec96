"""What apps above actions show on an action's page (discussions: the discussions about the action).

Actions know no app above them. Such an app registers a panel in its AppConfig.ready(); the action's page includes
the panels, in order of registration, below what has happened to it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from actions.models import Action
from members.models import Membership


@dataclass(frozen=True)
class Panel:
    """A part of an action's page: `template` is included with the page's context and `panel`, what `context` gave
    for the action and the viewer's membership (None: the panel is left out).

    The action's page keeps its panels ready-made until the data changes (templates/actions/action_detail.html):
    what a panel shows may depend on whether the viewer facilitates, never on who they are."""

    template: str
    context: Callable[[Action, Membership], object | None]


@dataclass(frozen=True)
class Shown:
    template: str
    panel: object


_panels: list[Panel] = []


def register(panel: Panel) -> None:
    if panel not in _panels:
        _panels.append(panel)


def panels_for(action: Action, membership: Membership) -> list[Shown]:
    """The panels of an action's page, for the viewer."""
    return [
        Shown(template=panel.template, panel=context)
        for panel in _panels
        if (context := panel.context(action, membership)) is not None
    ]
