"""Headline figures for a period, as the public page and the annual report show them.

Every figure about people keeps to the small-number rule (members.models.count_shown: a count of 1 or 2
shows as "fewer than 3"), and no breakdown is shown that could single anyone out.
"""

from dataclasses import dataclass, field
from datetime import date

from members.models import Collaborative


@dataclass(frozen=True)
class Figure:
    """One line of figures: what it counts, and the number as it may be shown ("fewer than 3", "12")."""

    label: str
    shown: str
    # The exact number, for the report's CSV only where it is not about people (meetings held, asks sent).
    value: int | None = None


@dataclass(frozen=True)
class Figures:
    start: date
    end: date
    headline: list[Figure] = field(default_factory=list)
    # People who came to meetings, by perspective (small numbers hidden).
    by_perspective: list[Figure] = field(default_factory=list)


def figures_for(collaborative: Collaborative, start: date, end: date) -> Figures:
    """The figures for the days from `start` to `end`, both included. (Issue 17: filled in by the report.)"""
    return Figures(start=start, end=end)
