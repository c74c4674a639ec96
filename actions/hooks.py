"""What apps above actions add to the facilitators' digest and the commissioners' overview.

Actions know no app above them. Such an app registers a section in its AppConfig.ready(): asks adds the asks
gone past their due date, so the same people who review overdue actions see them. A section function takes the
Collaborative and its today, and returns a `Section`, or None when it has nothing to say.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from members.models import Collaborative


@dataclass(frozen=True)
class Line:
    text: str
    path: str  # An address on this site; emails make it whole.
    note: str = ""


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[Line] = field(default_factory=list)
    more: str = ""  # "And 3 more", when not every line is shown.
    link_text: str = ""
    link_path: str = ""


_sections: list[Callable[[Collaborative, date], Section | None]] = []


def on_overview(section: Callable[[Collaborative, date], Section | None]) -> None:
    """`section(collaborative, today)` adds to the digest before each meeting and to the actions overview."""
    if section not in _sections:
        _sections.append(section)


def overview_sections(collaborative: Collaborative, today: date) -> list[Section]:
    return [found for section in _sections if (found := section(collaborative, today)) is not None]
