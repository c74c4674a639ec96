"""Helpers for tests of self-assessment rounds: rounds must stay open a week, and only people who
were members when a round opened count towards its minimums, so tests that make people after
opening a round, or close it at once, say so here."""

from datetime import timedelta

from django.db.models import F

from vision.models import ROUND_SHORTEST_DAYS, Round
from vision.services import round_close


def were_members_when_it_opened(round: Round, users) -> None:
    """Count `users` as members when the round opened, as if they had been members then."""
    ids = set(Round.objects.get(pk=round.pk).eligible_ids) | {user.pk for user in users}
    Round.objects.filter(pk=round.pk).update(eligible_ids=sorted(ids))


def close_early(round: Round, by) -> Round:
    """ "Close the round now", as if the round had opened a week ago (rounds before it keep their order)."""
    Round.objects.filter(pk=round.pk).update(opened_at=F("opened_at") - timedelta(days=ROUND_SHORTEST_DAYS))
    return round_close(round=round, by=by)
