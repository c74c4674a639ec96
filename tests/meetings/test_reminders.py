"""Reminders and notices through the outbox, checked with a moving clock."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from meetings.emails import MEETING_CANCELLED, MEETING_CHANGED, MEETING_REMINDER, MEETING_SCHEDULED
from meetings.models import Format, Rsvp, Venue
from meetings.services import (
    meeting_cancel,
    meeting_change,
    meeting_schedule,
    reminder_due,
    reminders_queue,
    rsvp_set,
    series_schedule,
)
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def venue(collaborative):
    return Venue.objects.create(
        collaborative=collaborative, name="Cafe on the Green", address="1 High Street", step_free=True
    )


@pytest.fixture
def meeting(collaborative, facilitator, venue):
    return meeting_schedule(
        collaborative=collaborative,
        by=facilitator,
        day=date(2027, 3, 30),  # The Tuesday after the clocks go forward (28 March 2027).
        start=time(10),
        end=time(12, 30),
        venue=venue,
        format=Format.HYBRID,
        online_link="https://meet.example.org/lambeth",
    )


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def deliver() -> int:
    claim, ids = messages_claim(now=at(2030, 1, 1))
    return messages_send(claim=claim, ids=ids)


def reminders(**filters):
    return Message.objects.filter(kind=MEETING_REMINDER.key, **filters)


def test_reminders_are_due_a_week_and_a_day_before_at_the_same_local_time_across_a_clocks_change(meeting):
    assert reminder_due(meeting, 7) == at(2027, 3, 23, 10)  # Before the change: 10:00 GMT.
    assert reminder_due(meeting, 1) == at(2027, 3, 29, 10)  # After it: 10:00 BST.
    assert reminder_due(meeting, 7).utcoffset() != reminder_due(meeting, 1).utcoffset()


def test_the_scan_queues_each_reminder_once_when_it_is_due(meeting, people):
    assert reminders_queue(now=at(2027, 3, 23, 9, 59)) == 0
    assert reminders_queue(now=at(2027, 3, 23, 10)) == 3  # member, facilitator, commissioner
    assert reminders_queue(now=at(2027, 3, 23, 10, 1)) == 0  # Running again changes nothing.
    assert reminders(occasion__startswith="reminder-7-").count() == 3
    assert reminders_queue(now=at(2027, 3, 29, 10)) == 3
    assert reminders(occasion__startswith="reminder-1-").count() == 3
    assert reminders_queue(now=at(2027, 3, 30, 10, 1)) == 0  # Started: nothing more.


def test_only_the_second_reminder_when_the_meeting_is_set_up_late(collaborative, facilitator, venue, people):
    late = meeting_schedule(
        collaborative=collaborative, by=facilitator, day=date(2027, 5, 4), start=time(10), end=time(12), venue=venue
    )
    assert reminders_queue(now=at(2027, 5, 3, 12)) == 3
    assert set(reminders(about_id=late.pk).values_list("occasion", flat=True)) == {"reminder-1-20270504T0900"}


def test_no_reminder_to_someone_who_said_they_cant_come_even_when_they_say_it_after_it_was_queued(meeting, people):
    rsvp_set(meeting=meeting, user=people["commissioner"], answer=Rsvp.Answer.NOT_COMING)
    reminders_queue(now=at(2027, 3, 23, 10))
    assert set(reminders().values_list("recipient", flat=True)) == {people["member"].pk, people["facilitator"].pk}
    rsvp_set(meeting=meeting, user=people["member"], answer=Rsvp.Answer.NOT_COMING)
    deliver()
    skipped = reminders().get(recipient=people["member"])
    assert skipped.status == Message.Status.SKIPPED
    assert skipped.last_error == 'The answer for this meeting was "can\'t come".'


def test_the_reminder_has_the_details_the_calendar_file_and_answer_links_that_work_without_signing_in(
    meeting, people, mailoutbox
):
    reminders_queue(now=at(2027, 3, 29, 10))
    deliver()
    email = next(e for e in mailoutbox if e.to == [people["member"].email] and "Reminder" in e.subject)
    assert email.subject == "Reminder: meeting on Tuesday 30 March (Lambeth Living Well Collaborative)"
    assert "When: Tuesday 30 March 2027, 10:00 am to 12:30 pm" in email.body
    assert "Where: Cafe on the Green, 1 High Street" in email.body
    assert "Access: Step-free access." in email.body
    assert "Join online: https://meet.example.org/lambeth" in email.body
    (filename, content, mimetype) = email.attachments[0]
    assert (filename, mimetype) == ("meeting-2027-03-30.ics", "text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == at(2027, 3, 30, 10)

    links = dict(re.findall(r"^(Coming|Maybe|Can't come): (\S+)$", email.body, re.M))
    assert set(links) == {"Coming", "Maybe", "Can't come"}
    visitor = Client()  # Not signed in.
    path = "/" + links["Coming"].split("/", 3)[3]
    page = visitor.get(path)
    assert page.status_code == 200
    assert not Rsvp.objects.exists(), "Opening the link (as mail scanners do) answers nothing."
    visitor.post(path)
    assert Rsvp.objects.get().answer == Rsvp.Answer.COMING
    assert Rsvp.objects.get().user == people["member"]


def test_a_changed_answer_link_does_nothing(meeting, people):
    reminders_queue(now=at(2027, 3, 29, 10))
    response = Client().post(reverse("meetings:rsvp_link", kwargs={"token": "eyJtIjoxfQ:tampered:xx"}))
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert not Rsvp.objects.exists()


def test_moving_a_meeting_sends_reminders_for_the_new_time_and_not_the_old(meeting, people, facilitator, venue):
    reminders_queue(now=at(2027, 3, 23, 10))
    meeting_change(
        meeting=meeting,
        by=facilitator,
        day=date(2027, 4, 6),
        start=time(10),
        end=time(12, 30),
        title=meeting.title,
        format=meeting.format,
        venue=venue,
        online_link=meeting.online_link,
        notes_for_members="",
    )
    deliver()
    assert set(reminders().values_list("status", flat=True)) == {Message.Status.SKIPPED}
    assert reminders().first().last_error == "The meeting moved; a reminder for the new time goes instead."
    assert reminders_queue(now=at(2027, 3, 30, 10)) == 3
    assert reminders(status=Message.Status.PENDING, occasion="reminder-7-20270406T0900").count() == 3
    assert Message.objects.filter(kind=MEETING_CHANGED.key).count() == 3


def test_cancelling_withdraws_the_reminders_and_tells_members(meeting, people, facilitator, mailoutbox):
    reminders_queue(now=at(2027, 3, 23, 10))
    meeting_cancel(meeting=meeting, by=facilitator, reason="The cafe is closed.")
    deliver()
    assert set(reminders().values_list("status", flat=True)) == {Message.Status.SKIPPED}
    assert reminders_queue(now=at(2027, 3, 29, 10)) == 0
    cancelled = [e for e in mailoutbox if "Cancelled" in e.subject]
    assert len(cancelled) == 3
    assert "The cafe is closed." in cancelled[0].body
    content = cancelled[0].attachments[0][1]
    assert "METHOD:CANCEL" in (content.decode() if isinstance(content, bytes) else content)
    assert Message.objects.filter(kind=MEETING_CANCELLED.key).count() == 3


def test_someone_who_joins_after_scheduling_is_reminded_too(meeting, collaborative, people):
    newcomer = MembershipFactory(collaborative=collaborative).user
    reminders_queue(now=at(2027, 3, 23, 10))
    assert reminders(recipient=newcomer).exists()


def test_reminder_days_are_chosen_per_collaborative(meeting, collaborative, people):
    collaborative.first_reminder_days, collaborative.second_reminder_days = 3, 0
    collaborative.save()
    assert reminders_queue(now=at(2027, 3, 23, 10)) == 0
    assert reminders_queue(now=at(2027, 3, 27, 10)) == 3
    assert reminders_queue(now=at(2027, 3, 29, 10)) == 0


def test_scheduling_tells_members_once_for_a_series(collaborative, facilitator, venue, people, mailoutbox):
    series_schedule(
        collaborative=collaborative,
        by=facilitator,
        week=2,
        weekday=3,
        first_month=date(2027, 1, 1),
        months=3,
        start=time(10),
        end=time(12, 30),
        venue=venue,
        now=at(2026, 12, 1),
    )
    notices = Message.objects.filter(kind=MEETING_SCHEDULED.key)
    assert notices.count() == 3
    deliver()
    email = next(e for e in mailoutbox if e.to == [people["member"].email])
    assert "Thursday 14 January 2027" in email.body
    assert "Thursday 11 March 2027" in email.body


def test_beat_runs_the_reminder_scan_every_minute(settings):
    assert settings.CELERY_BEAT_SCHEDULE["meeting-reminders"]["task"] == "meetings.tasks.queue_reminders_task"
    from meetings.tasks import queue_reminders_task

    assert queue_reminders_task.apply().get() == 0
