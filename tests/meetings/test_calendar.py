"""Calendars: a .ics per meeting, parsed back field by field, and a member's private subscription."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from meetings.models import CalendarFeed, Format, Venue
from meetings.services import calendar_feed_renew, meeting_cancel, meeting_change, meeting_schedule
from members.services import membership_leave
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def venue(collaborative):
    return Venue.objects.create(
        collaborative=collaborative,
        name="Cafe on the Green",
        address="1 High Street\nBrixton",
        step_free=True,
        hearing_loop=True,
        access_notes="Ramp at the side door.",
    )


@pytest.fixture
def meeting(collaborative, facilitator, venue):
    # A summer meeting: London is on British Summer Time (UTC+1).
    return meeting_schedule(
        collaborative=collaborative,
        by=facilitator,
        day=date(2027, 7, 8),
        start=time(10),
        end=time(12, 30),
        venue=venue,
        format=Format.HYBRID,
        online_link="https://meet.example.org/lambeth",
        title="Monthly meeting",
    )


def parse(content: bytes) -> Calendar:
    return Calendar.from_ical(content)


def ics(client, meeting) -> Calendar:
    response = client.get(reverse("meetings:ics", kwargs={"slug": "lambeth", "pk": meeting.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="meeting-2027-07-08.ics"'
    return parse(response.content)


def test_the_ics_parses_back_field_by_field(member_client, meeting):
    calendar = ics(member_client, meeting)
    assert str(calendar["method"]) == "PUBLISH"
    assert str(calendar["version"]) == "2.0"
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"meeting-{meeting.pk}@127.0.0.1"
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == datetime(2027, 7, 8, 10, tzinfo=LONDON)
    assert end == datetime(2027, 7, 8, 12, 30, tzinfo=LONDON)
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert start.utcoffset().total_seconds() == 3600
    assert str(event["summary"]) == "Lambeth Living Well Collaborative: Monthly meeting"
    assert str(event["location"]) == "Cafe on the Green, 1 High Street Brixton"
    assert int(event["sequence"]) == 0
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["url"]).endswith(meeting.get_absolute_url())
    description = str(event["description"])
    assert "Access: Step-free access, Hearing loop." in description
    assert "Ramp at the side door." in description
    assert "Join online: https://meet.example.org/lambeth" in description
    # The time zone travels with the file.
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/London"


def test_the_uid_stays_and_the_sequence_rises_with_each_change(member_client, meeting, facilitator, venue):
    first = ics(member_client, meeting).walk("VEVENT")[0]
    meeting_change(
        meeting=meeting,
        by=facilitator,
        day=date(2027, 7, 8),
        start=time(11),
        end=time(13),
        title="Monthly meeting",
        format=Format.HYBRID,
        venue=venue,
        online_link="https://meet.example.org/lambeth",
        notes_for_members="",
    )
    second = ics(member_client, meeting).walk("VEVENT")[0]
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) == int(first["sequence"]) + 1
    assert second.decoded("dtstart") == datetime(2027, 7, 8, 11, tzinfo=LONDON)


def test_a_cancelled_meeting_is_a_cancellation_that_removes_it(member_client, meeting, facilitator):
    meeting_cancel(meeting=meeting, by=facilitator, reason="The cafe is closed for repairs.")
    calendar = ics(member_client, meeting)
    assert str(calendar["method"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 1
    assert "The cafe is closed for repairs." in str(event["description"])


def test_an_outsider_cannot_download_it(client, people, meeting):
    client.force_login(people["outsider"])
    assert client.get(reverse("meetings:ics", kwargs={"slug": "lambeth", "pk": meeting.pk})).status_code == 404


def test_the_subscription_lists_the_meetings_of_all_the_members_collaboratives(
    people, collaborative, other_collaborative, meeting, facilitator
):
    member = people["member"]
    MembershipFactory(user=member, collaborative=other_collaborative)
    elsewhere_venue = Venue.objects.create(collaborative=other_collaborative, name="Library", address="Luton")
    elsewhere = meeting_schedule(
        collaborative=other_collaborative,
        by=facilitator,
        day=date(2027, 1, 14),  # Winter: London is on GMT.
        start=time(18),
        end=time(20),
        venue=elsewhere_venue,
    )
    feed = calendar_feed_renew(user=member)
    response = Client().get(reverse("meetings:calendar_feed", kwargs={"token": feed.token}))
    assert response.status_code == 200
    events = {str(e["uid"]): e for e in parse(response.content).walk("VEVENT")}
    assert set(events) == {f"meeting-{meeting.pk}@127.0.0.1", f"meeting-{elsewhere.pk}@127.0.0.1"}
    winter = events[f"meeting-{elsewhere.pk}@127.0.0.1"].decoded("dtstart")
    assert winter.utcoffset().total_seconds() == 0
    feed.refresh_from_db()
    assert feed.last_fetched_at is not None

    # Leaving a Collaborative takes its meetings out of the calendar.
    membership_leave(membership=member.memberships.get(collaborative=other_collaborative))
    response = Client().get(reverse("meetings:calendar_feed", kwargs={"token": feed.token}))
    assert {str(e["uid"]) for e in parse(response.content).walk("VEVENT")} == {f"meeting-{meeting.pk}@127.0.0.1"}


def test_a_new_address_stops_the_old_one_and_stop_ends_it(member_client, member):
    member_client.post(reverse("meetings:calendar"), {"action": "renew"})
    old = CalendarFeed.objects.get(user=member).token
    page = member_client.get(reverse("meetings:calendar")).content.decode()
    assert old in page
    member_client.post(reverse("meetings:calendar"), {"action": "renew"})
    new = CalendarFeed.objects.get(user=member).token
    assert new != old
    assert Client().get(reverse("meetings:calendar_feed", kwargs={"token": old})).status_code == 404
    assert Client().get(reverse("meetings:calendar_feed", kwargs={"token": new})).status_code == 200
    member_client.post(reverse("meetings:calendar"), {"action": "stop"})
    assert not CalendarFeed.objects.filter(user=member).exists()
    assert Client().get(reverse("meetings:calendar_feed", kwargs={"token": new})).status_code == 404


def test_a_closed_account_has_no_calendar(member):
    feed = calendar_feed_renew(user=member)
    member.is_active = False
    member.save()
    assert Client().get(reverse("meetings:calendar_feed", kwargs={"token": feed.token})).status_code == 404
