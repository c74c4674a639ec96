"""Reads about the vision that views and other apps share."""

from dataclasses import dataclass

from django.utils import timezone

from members.models import Membership
from vision.models import Goal, Round, VisionVersion


@dataclass(frozen=True)
class VisionSummary:
    """The current vision (None before one is adopted), how many goals are due for review, and any open round."""

    vision: VisionVersion | None
    goals_due: int
    open_round: Round | None


def home_summary(membership: Membership) -> VisionSummary:
    """The vision, goals due for review and any open round, for the Collaborative's home page."""
    collaborative = membership.collaborative
    today = collaborative.local_today()
    now = timezone.now()
    return VisionSummary(
        vision=VisionVersion.objects.current_for(collaborative),
        goals_due=Goal.objects.filter(collaborative=collaborative).due_for_review(today).count(),
        open_round=Round.objects.filter(collaborative=collaborative).open_at(now).first(),
    )
