"""Whose voices shaped a version of the vision: how many people added ideas or comments,
from which perspectives, and how many have lived experience of services or are carers.

The live page and adoption (which keeps the figures with the version) count the same way.
"""

from members.models import Perspective

# Perspectives counted as "lived experience": people who use services, and carers.
LIVED_EXPERIENCE = {Perspective.LIVED_EXPERIENCE, Perspective.CARER}


def voices_count(perspectives: list[list[str]]) -> dict:
    """The tally, from each author's perspectives as shown (an empty list for those not shown).

    Perspectives are kept by value, not label, so the result can be stored as JSON.
    """
    counts: dict[str, int] = {}
    for values in perspectives:
        for value in values:
            counts[value] = counts.get(value, 0) + 1
    return {
        "people": len(perspectives),
        "perspectives": counts,
        "not_shared": sum(1 for values in perspectives if not values),
        "lived": sum(1 for values in perspectives if LIVED_EXPERIENCE & set(values)),
    }


def voices_summary(counted: dict) -> dict:
    """A tally as the page shows it: perspectives by label in the usual order, and the share with lived experience."""
    people, lived, counts = counted["people"], counted["lived"], counted["perspectives"]
    return {
        "people": people,
        # In the order of Perspective, not of the stored keys: PostgreSQL does not keep a JSON object's order.
        "perspectives": [(label, counts[value]) for value, label in Perspective.choices if counts.get(value)],
        "not_shared": counted["not_shared"],
        "lived": lived,
        "lived_percent": int(100 * lived / people + 0.5) if people else 0,
    }
