"""Reads about actions that views, emails and other apps share."""

from datetime import timedelta

from django.db.models import Q

from actions.models import Action
from meetings.models import Meeting


def meeting_actions(meeting: Meeting) -> dict:
    """For a meeting's page: the actions it created, and "matters arising" since the meeting before."""
    created = list(meeting.actions.select_related("owner", "collaborative").order_by("id"))
    previous = (
        Meeting.objects.filter(collaborative=meeting.collaborative, starts_at__lt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-starts_at")
        .first()
    )
    since = previous.starts_at if previous else meeting.starts_at - timedelta(days=31)
    due_by = meeting.local_start.date()
    arising = list(
        Action.objects.filter(collaborative=meeting.collaborative)
        .filter(
            Q(updated_at__gte=since, updated_at__lt=meeting.starts_at) | Q(status__in=Action.LIVE, due_on__lte=due_by)
        )
        .exclude(meeting=meeting)
        .select_related("owner", "collaborative")
        .order_by("due_on", "id")
    )
    return {"actions_created": created, "matters_arising": arising, "arising_since": previous}
