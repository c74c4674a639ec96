"""Meetings as iCalendar (RFC 5545), for a download per meeting and a member's subscription.

Each meeting has a stable UID and a SEQUENCE raised on every change, so calendar programs
update the event they already have instead of adding another; a cancelled meeting is
sent with STATUS:CANCELLED (and METHOD:CANCEL for a single download), which removes it.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from meetings.models import Meeting

PRODUCT = "-//Living Well Collaboratives//Meetings//EN"


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def meeting_uid(meeting: Meeting) -> str:
    host = _site().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    return f"meeting-{meeting.pk}@{host}"


def meeting_event(meeting: Meeting) -> Event:
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.local_start)
    event.add("dtend", meeting.local_end)
    event.add("summary", f"{meeting.collaborative.name}: {meeting.title}")
    event.add("sequence", meeting.sequence)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    url = _site() + meeting.get_absolute_url()
    event.add("url", url)
    lines = []
    if meeting.is_cancelled:
        lines.append(f"This meeting is cancelled. {meeting.cancelled_reason}".strip())
    if meeting.in_person and meeting.venue:
        venue = meeting.venue
        event.add("location", f"{venue.name}, {' '.join(venue.address.split())}")
        access = venue.get_access_display()
        if access:
            lines.append("Access: " + ", ".join(access) + ".")
        if venue.access_notes:
            lines.append(venue.access_notes)
    elif meeting.online:
        event.add("location", "Online")
    if meeting.online:
        lines.append(f"Join online: {meeting.online_link}")
    if meeting.notes_for_members:
        lines.append(meeting.notes_for_members)
    lines.append(f"Say whether you are coming: {url}")
    event.add("description", "\n\n".join(lines))
    return event


def calendar_bytes(meetings: Iterable[Meeting], *, name: str, method: str = "PUBLISH") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    meetings = list(meetings)
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting))
    # VTIMEZONE for each time zone used, so every program shows the right local time;
    # only the years around the meetings (the whole 1970-2038 range makes each file 3 kB
    # and slow to build, and a reminder builds one per person).
    if meetings:
        starts = [meeting.starts_at for meeting in meetings]
        calendar.add_missing_timezones(
            first_date=(min(starts) - timedelta(days=366)).date(), last_date=(max(starts) + timedelta(days=366)).date()
        )
    return calendar.to_ical()


def meeting_ics(meeting: Meeting) -> bytes:
    """One meeting, to open in a calendar program (or attach to an email)."""
    return calendar_bytes(
        [meeting], name=meeting.collaborative.name, method="CANCEL" if meeting.is_cancelled else "PUBLISH"
    )
