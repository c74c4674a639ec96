"""What the emails about a meeting say (issue 15, item 21): corrections to notes say they are
corrections and what changed; the agenda gives the whole time and the venue's address."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from meetings.models import Meeting, Venue
from meetings.services import (
    agenda_item_propose,
    agenda_publish,
    decision_record,
    decision_withdraw,
    meeting_schedule,
    notes_publish,
    notes_save,
)
from notifications.delivery import messages_claim, messages_send

pytestmark = pytest.mark.django_db


def send_due_emails(mailoutbox, person) -> list:
    mailoutbox.clear()
    claim, ids = messages_claim(now=timezone.now() + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)
    return [email for email in mailoutbox if email.to == [person.email]]


def html_of(email) -> str:
    return next(content for content, mimetype in email.alternatives if mimetype == "text/html")


@pytest.fixture
def meeting(people, collaborative) -> Meeting:
    venue = Venue.objects.create(
        collaborative=collaborative, name="Cafe on the Green", address="1 High Street\nLambeth SE11 4AA"
    )
    return meeting_schedule(
        collaborative=collaborative,
        by=people["facilitator"],
        day=timezone.localdate() + timedelta(days=7),
        start=time(10),
        end=time(12, 30),
        venue=venue,
    )


def test_the_agenda_email_gives_the_end_time_and_the_venues_address(people, meeting, mailoutbox):
    agenda_item_propose(meeting=meeting, by=people["facilitator"], title="Welcome", accept=True)
    send_due_emails(mailoutbox, people["member"])  # The "new meeting" email.
    agenda_publish(meeting=meeting, by=people["facilitator"])
    [email] = send_due_emails(mailoutbox, people["member"])

    for body in (email.body, html_of(email)):
        assert "10:00 am to 12:30 pm" in body
        assert "Cafe on the Green, 1 High Street" in body
        assert "Lambeth SE11 4AA" in body
        assert "Welcome" in body
    assert "1. Welcome" in email.body


def test_corrected_notes_say_so_in_the_subject_and_first_line_with_what_changed(people, meeting, mailoutbox):
    facilitator, member = people["facilitator"], people["member"]
    item = agenda_item_propose(meeting=meeting, by=facilitator, title="Crisis care", accept=True)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    meeting = Meeting.objects.get(pk=meeting.pk)
    send_due_emails(mailoutbox, member)  # The "new meeting" email.
    notes_save(meeting=meeting, by=facilitator, general_notes="We met.", item_notes={})
    mistake = decision_record(meeting=meeting, by=facilitator, text="Close the cafe.")
    notes_publish(meeting=meeting, by=facilitator)
    [first] = send_due_emails(mailoutbox, member)
    day = f"{meeting.local_start:%A} {meeting.local_start.day} {meeting.local_start:%B}"
    assert first.subject.startswith(f"Notes of the meeting on {day}")
    assert "Correct" not in first.subject
    assert "have been corrected" not in first.body

    notes_save(meeting=meeting, by=facilitator, general_notes="We met.", item_notes={item.pk: "Waits are long."})
    decision_withdraw(decision=mistake, by=facilitator)
    decision_record(meeting=meeting, by=facilitator, text="Write to the trust.")
    notes_publish(meeting=Meeting.objects.get(pk=meeting.pk), by=facilitator)
    [corrected] = send_due_emails(mailoutbox, member)

    assert corrected.subject.startswith(f"Corrections to the notes of the meeting on {day}")
    opening = corrected.body.split("\n\n")[1]
    assert opening.startswith(f"The notes of the meeting on {day} {meeting.local_start:%Y} have been corrected.")
    assert '- The notes on "Crisis care" were changed.' in corrected.body
    assert "- A decision was added: Write to the trust." in corrected.body
    assert "- A decision was taken out: Close the cafe." in corrected.body
    assert "The general notes were changed." not in corrected.body  # Saved again unchanged.
    assert "have been corrected" in html_of(corrected)
    assert "<li>A decision was added: Write to the trust.</li>" in html_of(corrected)
