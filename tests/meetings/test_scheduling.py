"""Scheduling meetings: one, or a monthly series in the Collaborative's time zone across clocks
changes; changing or cancelling one meeting of a series without touching the others; venues."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Format, Meeting, MeetingSeries, Venue
from meetings.services import (
    local_moment,
    meeting_cancel,
    meeting_change,
    meeting_schedule,
    nth_weekday,
    series_dates,
    series_schedule,
)
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
THURSDAY, SUNDAY = 3, 6
SECOND, LAST = 2, -1
# Long before any of the days below, so none of them counts as past.
LONG_AGO = datetime(2027, 1, 1, tzinfo=UTC)
SPRING_FORWARD = date(2027, 3, 28)  # The last Sunday of March 2027: 01:00 GMT becomes 02:00 BST.
FALL_BACK = date(2027, 10, 31)  # The last Sunday of October 2027: 02:00 BST becomes 01:00 GMT.
NO_SUCH_TIME = "01:30 does not happen on 28 March 2027: the clocks go forward then. Choose another time."


def text(response) -> str:
    return html.unescape(response.content.decode())


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def venue(collaborative) -> Venue:
    return VenueFactory(collaborative=collaborative, name="Cafe on the Green", capacity=30, step_free=True)


def series(collaborative, facilitator, venue, **overrides) -> list[Meeting]:
    """The second Thursday, 10:00 to 12:30, for 12 months from September 2027."""
    values = {
        "collaborative": collaborative,
        "by": facilitator,
        "week": SECOND,
        "weekday": THURSDAY,
        "first_month": date(2027, 9, 1),
        "months": 12,
        "start": time(10),
        "end": time(12, 30),
        "venue": venue,
        "now": LONG_AGO,
    }
    return series_schedule(**(values | overrides))


def one(collaborative, facilitator, venue, **overrides) -> Meeting:
    values = {
        "collaborative": collaborative,
        "by": facilitator,
        "day": timezone.localdate() + timedelta(days=14),
        "start": time(10),
        "end": time(12, 30),
        "venue": venue,
    }
    return meeting_schedule(**(values | overrides))


def change(meeting: Meeting, by, **overrides) -> Meeting:
    """meeting_change with the meeting's current values, except those given."""
    values = {
        "meeting": meeting,
        "by": by,
        "day": meeting.local_start.date(),
        "start": meeting.local_start.time(),
        "end": meeting.local_end.time(),
        "title": meeting.title,
        "format": meeting.format,
        "venue": meeting.venue,
        "online_link": meeting.online_link,
        "notes_for_members": meeting.notes_for_members,
    }
    return meeting_change(**(values | overrides))


# Days of the month


@pytest.mark.parametrize(
    ("year", "month", "week", "weekday", "expected"),
    [
        (2027, 9, 1, THURSDAY, date(2027, 9, 2)),
        (2027, 9, SECOND, THURSDAY, date(2027, 9, 9)),
        (2027, 9, 4, THURSDAY, date(2027, 9, 23)),
        (2027, 9, LAST, THURSDAY, date(2027, 9, 30)),  # September 2027 has five Thursdays.
        (2027, 2, LAST, THURSDAY, date(2027, 2, 25)),  # February 2027 has four: the last is the fourth.
        (2027, 2, 1, 0, date(2027, 2, 1)),  # The month starts on the Monday asked for.
        (2027, 3, LAST, SUNDAY, SPRING_FORWARD),
        (2027, 12, SECOND, THURSDAY, date(2027, 12, 9)),
        (2028, 2, LAST, 1, date(2028, 2, 29)),  # A leap day.
    ],
)
def test_nth_weekday(year, month, week, weekday, expected):
    assert nth_weekday(year, month, week, weekday) == expected


def test_series_dates_run_on_over_the_new_year():
    days = series_dates(first_month=date(2027, 11, 20), months=4, week=SECOND, weekday=THURSDAY)
    assert days == [date(2027, 11, 11), date(2027, 12, 9), date(2028, 1, 13), date(2028, 2, 10)]


# Times across clocks changes


def test_a_year_of_meetings_stays_at_ten_oclock_on_both_sides_of_the_clocks_changes(collaborative, facilitator, venue):
    meetings = series(collaborative, facilitator, venue)

    assert len(meetings) == 12
    assert [m.local_start.date() for m in meetings] == [
        date(2027, 9, 9),
        date(2027, 10, 14),
        date(2027, 11, 11),
        date(2027, 12, 9),
        date(2028, 1, 13),
        date(2028, 2, 10),
        date(2028, 3, 9),
        date(2028, 4, 13),
        date(2028, 5, 11),
        date(2028, 6, 8),
        date(2028, 7, 13),
        date(2028, 8, 10),
    ]
    for meeting in Meeting.objects.all():  # As stored, not as built.
        local_start, local_end = meeting.starts_at.astimezone(LONDON), meeting.ends_at.astimezone(LONDON)
        assert (local_start.time(), local_end.time()) == (time(10), time(12, 30)), meeting
        # British Summer Time (UTC+1) from the end of March to the end of October; GMT otherwise.
        summer = 4 <= local_start.month <= 10
        assert meeting.starts_at.astimezone(UTC).hour == (9 if summer else 10), meeting
        assert meeting.ends_at - meeting.starts_at == timedelta(hours=2, minutes=30)
    series_row = MeetingSeries.objects.get()
    assert Meeting.objects.filter(series=series_row).count() == 12
    assert str(series_row) == "The second Thursday of each month"


def test_meetings_on_the_days_the_clocks_change_are_at_the_time_asked_for(collaborative, facilitator, venue):
    meetings = series(collaborative, facilitator, venue, week=LAST, weekday=SUNDAY, first_month=date(2027, 3, 1))
    by_day = {m.local_start.date(): m for m in meetings}

    assert by_day[SPRING_FORWARD].starts_at == datetime(2027, 3, 28, 9, tzinfo=UTC)
    assert by_day[FALL_BACK].starts_at == datetime(2027, 10, 31, 10, tzinfo=UTC)
    assert {m.local_start.time() for m in meetings} == {time(10)}


def test_a_time_the_clocks_skip_is_refused_in_plain_words(collaborative, facilitator, venue):
    with pytest.raises(ValidationError) as error:
        local_moment(SPRING_FORWARD, time(1, 30), "Europe/London")
    assert error.value.messages == [NO_SUCH_TIME]

    with pytest.raises(ValidationError) as error:
        one(collaborative, facilitator, venue, day=SPRING_FORWARD, start=time(1, 30), end=time(3))
    assert error.value.messages == [NO_SUCH_TIME]

    with pytest.raises(ValidationError) as error:
        series(
            collaborative,
            facilitator,
            venue,
            week=LAST,
            weekday=SUNDAY,
            first_month=date(2027, 1, 1),
            start=time(1, 30),
            end=time(3),
        )
    assert error.value.messages == [NO_SUCH_TIME]
    assert not Meeting.objects.exists()
    assert not MeetingSeries.objects.exists()


def test_a_time_that_happens_twice_when_the_clocks_go_back_means_the_first(collaborative):
    moment = local_moment(FALL_BACK, time(1, 30), "Europe/London")
    assert moment.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_times_are_in_the_collaboratives_own_time_zone(collaborative, facilitator, venue):
    collaborative.time_zone = "America/New_York"
    collaborative.save()
    meeting = one(collaborative, facilitator, venue, day=date(2027, 7, 8))
    assert meeting.starts_at == datetime(2027, 7, 8, 14, tzinfo=UTC)
    assert meeting.local_start.time() == time(10)


# Which days, how many months


def test_days_already_past_are_left_out(collaborative, facilitator, venue):
    # 10:00 on the second Thursday of September has just gone: September is left out.
    now = datetime(2027, 9, 9, 10, tzinfo=LONDON)
    meetings = series(collaborative, facilitator, venue, months=3, now=now)
    assert [m.local_start.date() for m in meetings] == [date(2027, 10, 14), date(2027, 11, 11)]


def test_a_meeting_later_today_is_not_past(collaborative, facilitator, venue):
    now = datetime(2027, 9, 9, 9, 59, tzinfo=LONDON)
    meetings = series(collaborative, facilitator, venue, months=2, now=now)
    assert [m.local_start.date() for m in meetings] == [date(2027, 9, 9), date(2027, 10, 14)]


def test_a_series_whose_days_have_all_passed_is_refused(collaborative, facilitator, venue):
    with pytest.raises(ValidationError) as error:
        series(collaborative, facilitator, venue, months=3, now=datetime(2028, 1, 1, tzinfo=UTC))
    assert error.value.messages == ["All of those days have already passed. Choose a later first month."]
    assert not MeetingSeries.objects.exists()
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("months", [0, -1, 25, 120])
def test_months_outside_one_to_twenty_four_are_refused(collaborative, facilitator, venue, months):
    with pytest.raises(ValidationError) as error:
        series(collaborative, facilitator, venue, months=months)
    assert error.value.message_dict == {"months": ["Choose between 1 and 24 months."]}
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("months", [1, 24])
def test_one_and_twenty_four_months_are_allowed(collaborative, facilitator, venue, months):
    assert len(series(collaborative, facilitator, venue, months=months)) == months


def test_the_meeting_must_end_after_it_starts(collaborative, facilitator, venue):
    for start, end in [(time(12), time(10)), (time(10), time(10))]:
        with pytest.raises(ValidationError) as error:
            one(collaborative, facilitator, venue, start=start, end=end)
        assert error.value.message_dict == {"end_time": ["The meeting must end after it starts."]}
    assert not Meeting.objects.exists()


# Where


def test_an_online_meeting_needs_a_link_and_has_no_venue(collaborative, facilitator, venue):
    with pytest.raises(ValidationError) as error:
        one(collaborative, facilitator, None, format=Format.ONLINE)
    assert error.value.message_dict == {"online_link": ["Give the link people use to join online."]}

    meeting = one(collaborative, facilitator, venue, format=Format.ONLINE, online_link="https://meet.example.org/x")
    assert meeting.venue is None
    assert meeting.capacity is None
    assert (meeting.online, meeting.in_person) == (True, False)


def test_a_meeting_in_person_needs_a_venue_and_keeps_no_link(collaborative, facilitator, venue):
    with pytest.raises(ValidationError) as error:
        one(collaborative, facilitator, None)
    assert error.value.message_dict == {"venue": ["Choose where people meet in person."]}

    meeting = one(collaborative, facilitator, venue, online_link="https://meet.example.org/x")
    assert meeting.online_link == ""
    assert meeting.capacity == 30


def test_a_hybrid_meeting_needs_both(collaborative, facilitator, venue):
    with pytest.raises(ValidationError):
        one(collaborative, facilitator, None, format=Format.HYBRID, online_link="https://meet.example.org/x")
    with pytest.raises(ValidationError):
        one(collaborative, facilitator, venue, format=Format.HYBRID)
    meeting = one(collaborative, facilitator, venue, format=Format.HYBRID, online_link="https://meet.example.org/x")
    assert (meeting.online, meeting.in_person, meeting.capacity) == (True, True, 30)


def test_a_venue_of_another_collaborative_is_refused(collaborative, other_collaborative, facilitator):
    elsewhere = VenueFactory(collaborative=other_collaborative)
    with pytest.raises(ValidationError) as error:
        one(collaborative, facilitator, elsewhere)
    assert error.value.message_dict == {"venue": ["Choose one of this Collaborative's venues."]}
    with pytest.raises(ValidationError):
        series(collaborative, facilitator, elsewhere)
    assert not Meeting.objects.exists()


# Changing and cancelling one meeting of a series


def snapshot() -> dict:
    return {
        m.pk: (m.starts_at, m.ends_at, m.venue_id, m.status, m.sequence, m.updated_at) for m in Meeting.objects.all()
    }


def test_changing_one_meeting_of_a_series_leaves_the_others(collaborative, facilitator, venue):
    meetings = series(collaborative, facilitator, venue, months=3)
    before = snapshot()
    moved = meetings[1]
    other_venue = VenueFactory(collaborative=collaborative, name="The Library")

    change(moved, facilitator, day=date(2027, 10, 21), start=time(14), end=time(16), venue=other_venue)

    after = snapshot()
    moved.refresh_from_db()
    assert moved.local_start == datetime(2027, 10, 21, 14, tzinfo=LONDON)
    assert moved.local_end == datetime(2027, 10, 21, 16, tzinfo=LONDON)
    assert moved.venue == other_venue
    assert moved.sequence == 1
    assert moved.series_id == meetings[0].series_id
    assert {pk: row for pk, row in after.items() if pk != moved.pk} == {
        pk: row for pk, row in before.items() if pk != moved.pk
    }


@pytest.mark.parametrize(
    "what",
    [
        {"title": "Annual meeting"},
        {"start": time(10, 30)},
        {"end": time(13)},
        {"day": date(2027, 9, 16)},
        {"format": Format.HYBRID, "online_link": "https://meet.example.org/x"},
    ],
)
def test_each_change_calendars_follow_raises_the_sequence(collaborative, facilitator, venue, what):
    meeting = series(collaborative, facilitator, venue, months=1)[0]
    change(meeting, facilitator, **what)
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    change(meeting, facilitator, **what)  # The same again changes nothing.
    meeting.refresh_from_db()
    assert meeting.sequence == 1


def test_changing_only_the_notes_for_members_does_not_raise_the_sequence(collaborative, facilitator, venue):
    meeting = series(collaborative, facilitator, venue, months=1)[0]
    change(meeting, facilitator, notes_for_members="Cake, as it is Ana's last meeting.")
    meeting.refresh_from_db()
    assert meeting.notes_for_members == "Cake, as it is Ana's last meeting."
    assert meeting.sequence == 0


def test_a_change_is_checked_as_scheduling_is(collaborative, other_collaborative, facilitator, venue):
    meeting = series(collaborative, facilitator, venue, months=1)[0]
    with pytest.raises(ValidationError, match=re.escape("The meeting must end after it starts.")):
        change(meeting, facilitator, end=time(9))
    with pytest.raises(ValidationError, match=re.escape("Choose where people meet in person.")):
        change(meeting, facilitator, venue=None)
    with pytest.raises(ValidationError, match=re.escape("Choose one of this Collaborative's venues.")):
        change(meeting, facilitator, venue=VenueFactory(collaborative=other_collaborative))
    with pytest.raises(ValidationError) as error:
        change(meeting, facilitator, day=SPRING_FORWARD, start=time(1, 30), end=time(3))
    assert error.value.messages == [NO_SUCH_TIME]
    meeting.refresh_from_db()
    assert meeting.local_start == datetime(2027, 9, 9, 10, tzinfo=LONDON)
    assert meeting.sequence == 0


def test_cancelling_one_meeting_of_a_series_leaves_the_others(collaborative, facilitator, venue):
    meetings = series(collaborative, facilitator, venue, months=3)
    before = snapshot()

    meeting_cancel(meeting=meetings[1], by=facilitator, reason="  The cafe is closed for repairs. ")

    cancelled = Meeting.objects.get(pk=meetings[1].pk)
    assert cancelled.is_cancelled
    assert cancelled.cancelled_reason == "The cafe is closed for repairs."
    assert cancelled.sequence == 1
    after = snapshot()
    assert {pk: row for pk, row in after.items() if pk != cancelled.pk} == {
        pk: row for pk, row in before.items() if pk != cancelled.pk
    }
    assert Meeting.objects.scheduled().count() == 2


def test_a_meeting_is_cancelled_once_and_not_changed_after(collaborative, facilitator, venue):
    meeting = series(collaborative, facilitator, venue, months=1)[0]
    meeting_cancel(meeting=meeting, by=facilitator)
    with pytest.raises(ValidationError) as error:
        meeting_cancel(meeting=meeting, by=facilitator)
    assert error.value.messages == ["This meeting is already cancelled."]
    with pytest.raises(ValidationError) as error:
        change(meeting, facilitator, title="Back on")
    assert error.value.messages == ["This meeting is cancelled. Schedule a new one instead."]
    meeting.refresh_from_db()
    assert meeting.sequence == 1


def test_a_meeting_that_has_happened_cannot_be_cancelled(collaborative, facilitator, venue):
    meeting = one(collaborative, facilitator, venue, day=timezone.localdate() - timedelta(days=7))
    with pytest.raises(ValidationError) as error:
        meeting_cancel(meeting=meeting, by=facilitator)
    assert error.value.messages == ["This meeting has already happened."]
    meeting.refresh_from_db()
    assert not meeting.is_cancelled


# The pages


def schedule_url(name: str = "schedule", slug: str = "lambeth") -> str:
    return reverse(f"meetings:{name}", kwargs={"slug": slug})


def meeting_data(place, **overrides) -> dict:
    data = {
        "title": "Monthly meeting",
        "day": "2027-09-09",
        "start_time": "10:00",
        "end_time": "12:30",
        "format": "in_person",
        "venue": place.pk if place else "",
        "online_link": "",
        "notes_for_members": "",
    }
    return data | overrides


def series_data(place, **overrides) -> dict:
    return meeting_data(place, week="2", weekday="3", day="2030-09-01", months="12") | overrides


def test_a_facilitator_schedules_one_meeting(facilitator_client, collaborative, facilitator, venue):
    page = facilitator_client.get(schedule_url())
    assert page.status_code == 200
    assert "Times are Europe/London time." in text(page)
    assert "Cafe on the Green" in text(page)

    response = facilitator_client.post(
        schedule_url(), meeting_data(venue, title="Summer meeting", notes_for_members="Bring a hat.")
    )

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url()
    assert flash(response) == ["The meeting has been scheduled."]
    assert meeting.title == "Summer meeting"
    assert meeting.local_start == datetime(2027, 9, 9, 10, tzinfo=LONDON)
    assert meeting.venue == venue
    assert meeting.series is None
    assert meeting.notes_for_members == "Bring a hat."
    assert meeting.created_by == facilitator


def test_a_facilitator_schedules_an_online_meeting(facilitator_client, collaborative):
    response = facilitator_client.post(
        schedule_url(), meeting_data(None, format="online", online_link="meet.example.org/lambeth")
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.online_link == "https://meet.example.org/lambeth"
    assert meeting.venue is None


def test_a_facilitator_sets_up_a_year_of_monthly_meetings(facilitator_client, collaborative, venue):
    page = facilitator_client.get(schedule_url("schedule_series"))
    assert page.status_code == 200
    assert "Set up monthly meetings" in text(page)

    response = facilitator_client.post(schedule_url("schedule_series"), series_data(venue))

    assert response.status_code == 302
    assert response.url == reverse("meetings:list", kwargs={"slug": "lambeth"})
    assert flash(response) == ["12 meetings have been scheduled."]
    meetings = list(Meeting.objects.order_by("starts_at"))
    assert len(meetings) == 12
    assert {m.series_id for m in meetings} == {MeetingSeries.objects.get().pk}
    assert [m.local_start.date() for m in meetings][:2] == [date(2030, 9, 12), date(2030, 10, 10)]
    assert {m.local_start.time() for m in meetings} == {time(10)}


def test_a_series_starting_this_month_leaves_out_a_day_already_past(facilitator_client, collaborative, venue):
    today = timezone.localdate()
    this_month = nth_weekday(today.year, today.month, SECOND, THURSDAY)
    response = facilitator_client.post(schedule_url("schedule_series"), series_data(venue, day=today.isoformat()))
    expected = 12 if this_month > today else 11  # 10:00 on today's date may or may not have passed.
    if this_month == today:
        expected = 12 if local_moment(today, time(10), "Europe/London") > timezone.now() else 11
    assert flash(response) == [f"{expected} meetings have been scheduled."]
    assert Meeting.objects.count() == expected


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_time": "09:00"}, "Ends at: The meeting must end after it starts."),
        ({"end_time": "10:00"}, "Ends at: The meeting must end after it starts."),
        ({"venue": ""}, "Where (for meeting in person): Choose where people meet in person, or add a venue first."),
        ({"format": "online"}, "Link to join online (for meeting online): Give the link people use to join online."),
        ({"day": "9 September"}, "Day: Enter a valid date."),
        ({"start_time": "25:00"}, "Starts at: Enter a valid time."),
        ({"format": "by post"}, "Select a valid choice. by post is not one of the available choices."),
        ({"day": SPRING_FORWARD.isoformat(), "start_time": "01:30", "end_time": "03:00"}, NO_SUCH_TIME),
    ],
)
def test_bad_input_for_one_meeting_is_explained_and_nothing_is_scheduled(
    facilitator_client, collaborative, venue, overrides, message
):
    response = facilitator_client.post(schedule_url(), meeting_data(venue, **overrides))
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert message in text(response)
    assert text(response).count("<title>Error: ") == 1
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_time": "09:00"}, "Ends at: The meeting must end after it starts."),
        ({"venue": ""}, "Choose where people meet in person, or add a venue first."),
        ({"months": "25"}, "For how many months: Ensure this value is less than or equal to 24."),
        ({"months": "0"}, "For how many months: Ensure this value is greater than or equal to 1."),
        ({"week": "5"}, "Which week of the month: Select a valid choice. 5 is not one of the available choices."),
        ({"day": "2022-01-01", "months": "2"}, "All of those days have already passed. Choose a later first month."),
        (
            {"week": "-1", "weekday": "6", "day": "2027-03-01", "start_time": "01:30", "end_time": "03:00"},
            NO_SUCH_TIME,
        ),
    ],
)
def test_bad_input_for_a_series_is_explained_and_nothing_is_scheduled(
    facilitator_client, collaborative, venue, overrides, message
):
    response = facilitator_client.post(schedule_url("schedule_series"), series_data(venue, **overrides))
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert message in text(response)
    assert not Meeting.objects.exists()
    assert not MeetingSeries.objects.exists()


def test_a_venue_of_another_collaborative_cannot_be_posted(facilitator_client, other_collaborative, venue):
    elsewhere = VenueFactory(collaborative=other_collaborative, name="Luton Library")
    page = facilitator_client.get(schedule_url())
    assert "Luton Library" not in text(page)
    response = facilitator_client.post(schedule_url(), meeting_data(elsewhere))
    assert "Select a valid choice. That choice is not one of the available choices." in text(response)
    assert not Meeting.objects.exists()


def test_archived_venues_are_not_offered(facilitator_client, collaborative, venue):
    old = VenueFactory(collaborative=collaborative, name="The Old Hall", is_archived=True)
    for name in ["schedule", "schedule_series"]:
        page = text(facilitator_client.get(schedule_url(name)))
        assert "Cafe on the Green" in page
        assert "The Old Hall" not in page
    response = facilitator_client.post(schedule_url(), meeting_data(old))
    assert "Select a valid choice." in text(response)
    assert not Meeting.objects.exists()


def test_with_no_venue_the_form_says_to_add_one_first(facilitator_client, collaborative):
    VenueFactory(collaborative=collaborative, is_archived=True)
    page = text(facilitator_client.get(schedule_url("schedule_series")))
    assert "To meet in person, first" in page
    assert reverse("meetings:venue_add", kwargs={"slug": "lambeth"}) in page


def edit_url(meeting: Meeting, name: str = "edit") -> str:
    return reverse(f"meetings:{name}", kwargs={"slug": meeting.collaborative.slug, "pk": meeting.pk})


def test_a_facilitator_changes_one_meeting_of_a_series(facilitator_client, collaborative, facilitator, venue):
    meetings = series(collaborative, facilitator, venue, months=3)
    before = snapshot()
    page = facilitator_client.get(edit_url(meetings[0]))
    assert page.status_code == 200
    assert "This changes only this meeting." in text(page)
    assert 'value="2027-09-09"' in text(page)
    assert 'value="10:00"' in text(page)

    response = facilitator_client.post(
        edit_url(meetings[0]), meeting_data(venue, day="2027-09-16", start_time="11:00", end_time="13:00")
    )

    assert response.status_code == 302
    assert response.url == meetings[0].get_absolute_url()
    assert flash(response) == ["The meeting has been changed. Other meetings in its series are as they were."]
    changed = Meeting.objects.get(pk=meetings[0].pk)
    assert changed.local_start == datetime(2027, 9, 16, 11, tzinfo=LONDON)
    assert changed.sequence == 1
    after = snapshot()
    assert after[meetings[1].pk] == before[meetings[1].pk]
    assert after[meetings[2].pk] == before[meetings[2].pk]


def test_a_bad_change_is_explained_and_nothing_changes(facilitator_client, collaborative, facilitator, venue):
    meeting = series(collaborative, facilitator, venue, months=1)[0]
    response = facilitator_client.post(edit_url(meeting), meeting_data(venue, end_time="09:00"))
    assert response.status_code == 400
    assert "Ends at: The meeting must end after it starts." in text(response)
    assert snapshot()[meeting.pk] == (
        meeting.starts_at,
        meeting.ends_at,
        venue.pk,
        Meeting.Status.SCHEDULED,
        0,
        meeting.updated_at,
    )


def test_a_facilitator_cancels_one_meeting(facilitator_client, collaborative, facilitator, venue):
    meetings = series(collaborative, facilitator, venue, months=2)
    page = facilitator_client.get(edit_url(meetings[0], "cancel"))
    assert page.status_code == 200
    assert "The other meetings of the series stay as they are." in text(page)

    response = facilitator_client.post(edit_url(meetings[0], "cancel"), {"reason": "The cafe is closed."})

    assert response.status_code == 302
    assert response.url == meetings[0].get_absolute_url()
    assert flash(response) == ["The meeting has been cancelled. Other meetings in its series are as they were."]
    assert list(Meeting.objects.order_by("starts_at").values_list("status", flat=True)) == ["cancelled", "scheduled"]
    shown = text(facilitator_client.get(meetings[0].get_absolute_url()))
    assert "This meeting is cancelled." in shown
    assert "The cafe is closed." in shown
    assert "Are you coming?" not in shown
    assert "Cancel this meeting" not in shown

    again = facilitator_client.post(edit_url(meetings[0], "cancel"), {"reason": ""})
    assert again.status_code == 400
    assert "This meeting is already cancelled." in text(again)


def test_the_meeting_list_marks_a_cancelled_meeting(member_client, collaborative, facilitator, venue):
    meetings = series(collaborative, facilitator, venue, months=2)
    meeting_cancel(meeting=meetings[1], by=facilitator)
    page = text(member_client.get(schedule_url("list")))
    assert "Thursday 9 September 2027" in page
    assert "Thursday 14 October 2027</a> <strong>(cancelled)</strong>" in page
    assert "Set up monthly meetings" not in page


def test_the_meeting_list_has_upcoming_and_past_meetings(member_client, collaborative, facilitator, venue):
    one(collaborative, facilitator, venue, day=timezone.localdate() - timedelta(days=30), title="Old")
    one(collaborative, facilitator, venue, title="New")
    response = member_client.get(schedule_url("list"))
    assert [m.title for m in response.context["upcoming"]] == ["New"]
    assert [m.title for m in response.context["page"].object_list] == ["Old"]
    assert "Past meetings" in text(response)


# Venues


def venue_data(**overrides) -> dict:
    data = {
        "name": "Cafe on the Green",
        "address": "1 High Street\nLondon SE11 5AA",
        "map_link": "www.openstreetmap.org/#map=19/51.49/-0.11",
        "capacity": "24",
        "step_free": "on",
        "hearing_loop": "on",
        "access_notes": "The ramp is round the side, by the bike racks.",
    }
    return data | overrides


def test_a_facilitator_adds_a_venue(facilitator_client, collaborative):
    page = facilitator_client.get(reverse("meetings:venue_add", kwargs={"slug": "lambeth"}))
    assert page.status_code == 200

    response = facilitator_client.post(reverse("meetings:venue_add", kwargs={"slug": "lambeth"}), venue_data())

    assert response.status_code == 302
    assert response.url == reverse("meetings:venues", kwargs={"slug": "lambeth"})
    assert flash(response) == ["Cafe on the Green has been saved."]
    venue = Venue.objects.get()
    assert venue.collaborative == collaborative
    assert venue.capacity == 24
    assert venue.map_link == "https://www.openstreetmap.org/#map=19/51.49/-0.11"
    assert venue.get_access_display() == ["Step-free access", "Hearing loop"]
    listing = text(facilitator_client.get(response.url))
    assert "Step-free access, Hearing loop." in listing
    assert "Room for 24." in listing


def test_a_facilitator_changes_and_archives_a_venue(facilitator_client, collaborative, venue):
    url = reverse("meetings:venue_edit", kwargs={"slug": "lambeth", "pk": venue.pk})
    assert 'value="Cafe on the Green"' in text(facilitator_client.get(url))

    response = facilitator_client.post(url, venue_data(name="Cafe on the Common", capacity="", is_archived="on"))

    assert response.status_code == 302
    venue.refresh_from_db()
    assert (venue.name, venue.capacity, venue.is_archived) == ("Cafe on the Common", None, True)
    assert "Cafe on the Common</a> (no longer used)" in text(facilitator_client.get(response.url))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Name: This field is required."),
        ({"address": ""}, "Address: This field is required."),
        ({"capacity": "-3"}, "Ensure this value is greater than or equal to"),
        ({"capacity": "many"}, "Enter a whole number."),
        ({"map_link": "not a link at all"}, "Enter a valid URL."),
    ],
)
def test_bad_venue_input_is_explained(facilitator_client, collaborative, overrides, message):
    response = facilitator_client.post(
        reverse("meetings:venue_add", kwargs={"slug": "lambeth"}), venue_data(**overrides)
    )
    assert response.status_code == 400
    assert message in text(response)
    assert not Venue.objects.exists()


def test_a_venue_with_room_for_no_one_is_refused_in_plain_words(facilitator_client, collaborative):
    response = facilitator_client.post(
        reverse("meetings:venue_add", kwargs={"slug": "lambeth"}), venue_data(capacity="0")
    )
    assert response.status_code == 400
    assert "Constraint" not in text(response)
    assert "How many people fit (optional): Give a number above 0, or leave it empty for no limit." in text(response)
    assert not Venue.objects.exists()


def test_a_venue_of_another_collaborative_is_not_found(facilitator_client, other_collaborative):
    elsewhere = VenueFactory(collaborative=other_collaborative)
    url = reverse("meetings:venue_edit", kwargs={"slug": "lambeth", "pk": elsewhere.pk})
    assert facilitator_client.get(url).status_code == 404
    assert facilitator_client.post(url, venue_data()).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.name != "Cafe on the Green"


def test_a_meeting_at_a_venue_no_longer_used_can_still_be_changed(
    facilitator_client, collaborative, facilitator, venue
):
    meeting = series(collaborative, facilitator, venue, months=1)[0]
    venue.is_archived = True
    venue.save()
    page = text(facilitator_client.get(edit_url(meeting)))
    assert f'<option value="{venue.pk}" selected>Cafe on the Green</option>' in page

    response = facilitator_client.post(edit_url(meeting), meeting_data(venue, notes_for_members="Cake."))

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.venue, meeting.notes_for_members) == (venue, "Cake.")
    assert "Cafe on the Green" not in text(facilitator_client.get(schedule_url()))


@pytest.mark.parametrize(("name", "data"), [("schedule", meeting_data), ("schedule_series", series_data)])
def test_a_day_centuries_away_is_refused_plainly(facilitator_client, venue, name, data):
    response = facilitator_client.post(schedule_url(name), data(venue, day="9999-12-09"))
    assert response.status_code == 400
    assert "Choose a day within 5 years of today." in text(response)
    assert not Meeting.objects.exists()


def test_the_venue_list_takes_the_same_queries_for_2_or_20_venues(facilitator_client, collaborative):
    url = reverse("meetings:venues", kwargs={"slug": "lambeth"})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert facilitator_client.get(url).status_code == 200
        return len(captured)

    for number in range(2):
        Venue.objects.create(collaborative=collaborative, name=f"Cafe {number}", address="High Street")
    few = queries()
    for number in range(18):
        Venue.objects.create(collaborative=collaborative, name=f"Hall {number}", address="High Street", capacity=30)
    assert queries() == few
