"""A meeting's page once it has started (issue 15, item 12): facilitators find the register and the notes first; the
page says who came (names only for facilitators, as on the register) instead of who is coming, with no catering
plan; an agenda never published is not "not published yet" once the meeting is over; and an action recorded from a
decision in the notes comes back to the notes."""

import html
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from meetings.models import AgendaItem, Attendance, Decision, Meeting, Rsvp
from meetings.services import meeting_cancel, notes_publish
from tests.factories import MeetingFactory, MembershipFactory
from tests.meetings.test_notes import meeting_days_ago

pytestmark = pytest.mark.django_db


def words(response) -> str:
    """The page's words, without its tags, as one line."""
    return " ".join(re.sub(r"<[^>]+>", "", html.unescape(response.content.decode())).split())


@pytest.fixture
def past(collaborative, people) -> Meeting:
    """Last week's meeting: the member and the commissioner came, with a guest; the agenda was never published."""
    meeting = meeting_days_ago(collaborative, 7, guests=1)
    for role in ("member", "commissioner"):
        Attendance.objects.create(meeting=meeting, user=people[role], marked_by=people["facilitator"])
    Attendance.objects.create(meeting=meeting, user=people["facilitator"], attended=False)
    AgendaItem.objects.create(meeting=meeting, title="Crisis care", status=AgendaItem.Status.ACCEPTED, position=1)
    return meeting


def test_facilitators_find_the_register_and_notes_first_after_the_start(facilitator_client, past):
    page = facilitator_client.get(past.get_absolute_url()).content.decode()
    first = page.index('id="on-the-day-heading"')
    assert first < page.index('id="agenda"') < page.index('id="came-heading"')
    assert (
        first
        < page.index(">Take the register<")
        < page.index(">Write the notes and decisions<")
        < page.index('id="agenda"')
    )
    assert page.count(">Take the register<") == 1


def test_before_the_start_the_register_stays_at_the_end(facilitator_client, collaborative):
    # Today, starting in an hour or so: the register is open, the meeting not started.
    start = timezone.now() + timedelta(hours=1)
    today = MeetingFactory(collaborative=collaborative, starts_at=start, ends_at=start + timedelta(hours=2))
    if not today.register_open:
        pytest.skip("Late in the day: the meeting an hour from now is tomorrow, when the register is not open.")
    page = facilitator_client.get(today.get_absolute_url()).content.decode()
    assert page.index('id="numbers-heading"') < page.index(">Take the register<")
    assert "Catering:" in page


def test_after_the_start_the_page_says_who_came_not_who_is_coming(client, people, past):
    client.force_login(people["facilitator"])
    page = words(client.get(past.get_absolute_url()))
    assert "Who came" in page
    assert "2 members came, and 1 guest." in page
    assert f"Came: {people['commissioner'].display_name}, {people['member'].display_name}" in page or (
        f"Came: {people['member'].display_name}, {people['commissioner'].display_name}" in page
    )
    assert "Who is coming" not in page
    assert "Catering" not in page
    assert "Not said yet" not in page

    # Members see how many came, not who: names are for facilitators, as on the register.
    client.force_login(people["member"])
    page = words(client.get(past.get_absolute_url()))
    assert "2 members came, and 1 guest." in page
    assert "Came:" not in page
    assert people["commissioner"].display_name not in page


def test_a_register_not_yet_taken_says_so(facilitator_client, collaborative):
    meeting = meeting_days_ago(collaborative, 2)
    page = words(facilitator_client.get(meeting.get_absolute_url()))
    assert "Who came No one has been marked on the register yet." in page


def test_a_long_register_names_the_first_few_and_counts_the_rest(facilitator_client, collaborative, past):
    from meetings import views

    many = [MembershipFactory(collaborative=collaborative).user for _ in range(views.CAME_NAMES + 3)]
    Attendance.objects.bulk_create(Attendance(meeting=past, user=user) for user in many)
    page = words(facilitator_client.get(past.get_absolute_url()))
    assert f"and {2 + 3} more (see the register)" in page


def test_a_past_agenda_never_published_is_not_said_to_be_waiting(client, people, past):
    client.force_login(people["facilitator"])
    page = words(client.get(past.get_absolute_url()))
    assert "Not published yet" not in page
    assert "This agenda was not published: members see its items once the notes are published." in page
    client.force_login(people["member"])
    page = words(client.get(past.get_absolute_url()))
    assert "has not been published yet" not in page.replace("The notes have not been published yet.", "")
    assert "No agenda was published for this meeting." in page
    assert "Crisis care" not in page


def test_once_the_notes_are_published_everyone_sees_the_agenda_items(client, people, past):
    AgendaItem.objects.filter(meeting=past).update(notes="We talked about nights.")
    notes_publish(meeting=past, by=people["facilitator"])
    for role in ("member", "facilitator"):
        client.force_login(people[role])
        page = words(client.get(past.get_absolute_url()))
        agenda = page[page.index("Agenda Crisis care") : page.index("Notes and decisions")]
        assert "Crisis care" in agenda
        assert "published" not in agenda


def test_an_action_recorded_from_a_decision_comes_back_to_the_notes(facilitator_client, people, past):
    decision = Decision.objects.create(meeting=past, text="Write to the trust about waiting times.")
    past.general_notes = "Notes."
    past.save()
    notes_publish(meeting=past, by=people["facilitator"])
    notes = reverse("meetings:notes", kwargs={"slug": "lambeth", "pk": past.pk})
    page = html.unescape(facilitator_client.get(notes).content.decode())
    link = re.search(rf'href="([^"]*\?decision={decision.pk}[^"]*)"', page).group(1)
    assert f"next={quote(notes + '#decisions', safe='')}" in link

    form = facilitator_client.get(link)
    assert "Cancel and go back" in words(form)
    assert f'href="{notes}#decisions">Cancel and go back' in html.unescape(form.content.decode())
    response = facilitator_client.post(
        link,
        {
            "title": "Write to the trust about waiting times.",
            "owner": people["member"].pk,
            "due_on": (timezone.localdate() + timedelta(days=28)).isoformat(),
            "status": Action.Status.OPEN,
            "meeting": past.pk,
            "decision": decision.pk,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{notes}#decisions"
    action = Action.objects.get()
    assert action.decision == decision
    back = facilitator_client.get(response["Location"])
    assert "The action “Write to the trust about waiting times.” has been recorded. It is on the action log." in words(
        back
    )


def test_an_action_with_a_next_to_another_site_goes_to_the_action(member_client, people, collaborative):
    address = reverse("actions:new", kwargs={"slug": "lambeth"}) + "?next=https://example.org/"
    response = member_client.post(
        address,
        {
            "title": "Ask the cafe about Sundays",
            "owner": people["member"].pk,
            "due_on": (timezone.localdate() + timedelta(days=28)).isoformat(),
            "status": Action.Status.OPEN,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == Action.objects.get().get_absolute_url()


def test_who_is_coming_stays_for_a_meeting_to_come(facilitator_client, people, collaborative):
    soon = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() + timedelta(days=3))
    Rsvp.objects.create(meeting=soon, user=people["member"], answer=Rsvp.Answer.COMING)
    page = words(facilitator_client.get(soon.get_absolute_url()))
    assert "Who is coming" in page
    assert "Catering: plan for 1" in page
    assert "Who came" not in page


def test_a_cancelled_meeting_plans_no_catering(facilitator_client, people, collaborative):
    soon = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() + timedelta(days=3))
    Rsvp.objects.create(meeting=soon, user=people["member"], answer=Rsvp.Answer.COMING)
    meeting_cancel(meeting=soon, by=people["facilitator"], reason="The cafe is closed for repairs.")
    page = words(facilitator_client.get(soon.get_absolute_url()))
    assert "This meeting is cancelled. The cafe is closed for repairs." in page
    assert "Who is coming" not in page
    assert "Catering" not in page
