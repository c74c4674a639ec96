"""What apps above meetings do when something happens at a meeting.

Meetings know no app above them. Such an app registers a hook in its AppConfig.ready(): payments
makes (or takes back) a person's payment for coming when the register is marked. Hooks run in
order of registration, in the transaction of the change.
"""

from collections.abc import Callable

from meetings.models import Attendance

_register_marked: list[Callable[..., object]] = []


def on_register_marked(hook: Callable[..., object]) -> None:
    """`hook(attendance=..., by=...)` runs each time a facilitator marks someone on the register."""
    if hook not in _register_marked:
        _register_marked.append(hook)


def register_marked(attendance: Attendance, by) -> None:
    for hook in _register_marked:
        hook(attendance=attendance, by=by)
