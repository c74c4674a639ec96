"""Reads about meetings that views and other apps share."""

from dataclasses import dataclass

from django.db.models import F, FilteredRelation, Q, QuerySet

from meetings.models import Attendance, Meeting, Rsvp
from members.models import Collaborative, Membership


@dataclass(frozen=True)
class NextMeeting:
    """The Collaborative's next meeting going ahead (None if there is none), and the member's answer to it."""

    meeting: Meeting | None
    rsvp: Rsvp | None


def next_meeting_for(membership: Membership) -> NextMeeting:
    """The Collaborative's next meeting going ahead, with the member's answer, for the home page: one query, the
    answer joined to the meeting (an Rsvp with what the page shows of it: its answer and whether waiting)."""
    meeting = (
        Meeting.objects.for_collaborative(membership.collaborative)
        .scheduled()
        .upcoming()
        .alias(mine=FilteredRelation("rsvps", condition=Q(rsvps__user_id=membership.user_id)))
        .annotate(rsvp_pk=F("mine__pk"), rsvp_answer=F("mine__answer"), rsvp_waiting=F("mine__waiting"))
        .select_related("venue")
        .first()
    )
    if meeting is None:
        return NextMeeting(meeting=None, rsvp=None)
    meeting.collaborative = membership.collaborative  # For its address, without a join.
    rsvp = None
    if meeting.rsvp_pk is not None:
        rsvp = Rsvp(
            pk=meeting.rsvp_pk,
            meeting=meeting,
            user_id=membership.user_id,
            answer=meeting.rsvp_answer,
            waiting=meeting.rsvp_waiting,
        )
    return NextMeeting(meeting=meeting, rsvp=rsvp)


def recent_meetings(collaborative: Collaborative, count: int) -> list[Meeting]:
    """The last `count` meetings that took place (not cancelled), newest first."""
    return list(
        Meeting.objects.for_collaborative(collaborative).scheduled().past().select_related("collaborative")[:count]
    )


def recent_attendees(collaborative: Collaborative, count: int) -> QuerySet:
    """The people marked as having come to any of the last `count` meetings: a query of their ids,
    to use inside another query (`user_id__in=`), which runs it there."""
    meetings = Meeting.objects.for_collaborative(collaborative).scheduled().past().values("pk")[:count]
    return Attendance.objects.filter(meeting__in=meetings, attended=True).values("user_id")


@dataclass(frozen=True)
class CheckInOffer:
    """On a meeting's page, for someone who came, in the week after it: whether they asked for a check-in."""

    asked: bool
    answered: bool


def check_in_offer(meeting: Meeting, user) -> CheckInOffer | None:
    """What the meeting's page offers the viewer about a check-in: None unless they came and the meeting ended
    less than a week ago (no query at all outside that week)."""
    if not meeting.check_in_open:
        return None
    came = Attendance.objects.filter(meeting=meeting, user_id=user.pk, attended=True)
    row = (
        came.alias(
            mine=FilteredRelation(
                "meeting__check_in_requests", condition=Q(meeting__check_in_requests__user_id=user.pk)
            )
        )
        .values_list("mine__id", "mine__answered_at")
        .first()
    )
    if row is None:
        return None
    asked, answered_at = row
    return CheckInOffer(asked=asked is not None, answered=answered_at is not None)
