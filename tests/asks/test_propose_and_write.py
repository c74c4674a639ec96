import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from asks.models import Ask, AskEvent, AskEvidence
from meetings.models import Decision
from tests.factories import AskFactory, GoalFactory, MeetingFactory, ask_sent
from tests.test_access import PDF

pytestmark = pytest.mark.django_db


def ask_data(**overrides) -> dict:
    return {
        "title": "Open the crisis cafe at weekends",
        "request": "Please open the crisis cafe on Saturdays and Sundays.",
        "reasons": "Members told us weekends are the hardest time.",
        "organisation": "South London and Maudsley NHS Trust",
        "responder_name": "Alex Morgan",
        "responder_role": "Director of community services",
        "responder_email": "alex.morgan@nhs.example.org",
        "goal": "",
        "key_role": "",
        "meeting": "",
        "decision": "",
        "fact_check_days": "5",
    } | overrides


def url(name: str, collaborative, **kwargs) -> str:
    return reverse(f"asks:{name}", kwargs={"slug": collaborative.slug, **kwargs})


def test_any_member_proposes_an_ask(member_client, member, collaborative):
    response = member_client.post(url("propose", collaborative), ask_data())

    ask = Ask.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ask.get_absolute_url()
    assert ask.status == Ask.Status.PROPOSED
    assert ask.proposed_by == member
    assert [event.what for event in ask.events.all()] == [AskEvent.What.PROPOSED]


def test_only_facilitators_write_an_ask(member_client, collaborative):
    assert member_client.get(url("new", collaborative)).status_code == 403
    assert member_client.post(url("new", collaborative), ask_data()).status_code == 403
    assert not Ask.objects.exists()


def test_a_facilitator_writes_a_draft_from_a_decision_of_its_meeting(facilitator_client, facilitator, collaborative):
    goal = GoalFactory(collaborative=collaborative)
    meeting = MeetingFactory(collaborative=collaborative)
    decision = Decision.objects.create(meeting=meeting, text="Write to the trust about weekends.")

    response = facilitator_client.post(url("new", collaborative), ask_data(goal=goal.pk, decision=decision.pk))

    ask = Ask.objects.get()
    assert response.status_code == 302
    assert (ask.status, ask.goal, ask.decision, ask.meeting) == (Ask.Status.DRAFT, goal, decision, meeting)
    assert ask.created_by == facilitator
    assert [event.what for event in ask.events.all()] == [AskEvent.What.WRITTEN]


def test_bad_input_is_explained_and_nothing_is_saved(facilitator_client, collaborative, other_collaborative):
    elsewhere = GoalFactory(collaborative=other_collaborative)
    response = facilitator_client.post(
        url("new", collaborative),
        ask_data(title="", responder_email="not an address", fact_check_days="30", goal=elsewhere.pk),
    )
    text = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "Say in a line what we ask." in text
    assert "Give an email address such as name@example.org." in text
    assert "Give at most 20 working days for a fact check." in text
    assert "Select a valid choice." in text
    assert not Ask.objects.exists()


def test_a_member_cannot_name_a_decision_from_notes_not_yet_published(member_client, collaborative):
    meeting = MeetingFactory(collaborative=collaborative)
    draft = Decision.objects.create(meeting=meeting, text="Not published yet.")
    response = member_client.post(url("propose", collaborative), ask_data(decision=draft.pk))
    assert response.status_code == 400
    assert "Choose a decision from this Collaborative&#x27;s published notes." in response.content.decode()
    assert not Ask.objects.exists()


def test_a_facilitator_takes_up_a_proposal_or_declines_it_with_a_reason(facilitator_client, collaborative, member):
    taken, declined = AskFactory.create_batch(2, collaborative=collaborative, status=Ask.Status.PROPOSED)

    facilitator_client.post(url("take_up", collaborative, pk=taken.pk), {"take_up": "yes"})
    refused = facilitator_client.post(url("take_up", collaborative, pk=declined.pk), {"take_up": "no", "reason": " "})
    assert refused.status_code == 400
    assert "Say why the ask is not taken up." in refused.content.decode()
    declined.refresh_from_db()
    assert declined.status == Ask.Status.PROPOSED
    facilitator_client.post(url("take_up", collaborative, pk=declined.pk), {"take_up": "no", "reason": "Not ours."})

    taken.refresh_from_db()
    declined.refresh_from_db()
    assert taken.status == Ask.Status.DRAFT
    assert declined.status == Ask.Status.NOT_TAKEN_UP
    assert declined.events.get().note == "Not ours."
    # Once decided, it is not decided again.
    again = facilitator_client.post(url("take_up", collaborative, pk=declined.pk), {"take_up": "yes"}, follow=True)
    assert "Only a proposed ask can be taken up or declined." in again.content.decode()
    declined.refresh_from_db()
    assert declined.status == Ask.Status.NOT_TAKEN_UP


def test_a_change_is_recorded_naming_the_fields_changed(facilitator_client, collaborative):
    ask = AskFactory(collaborative=collaborative, title="Old words", organisation="Lambeth Council")
    data = ask_data(title="New words", organisation="Lambeth Council", request=ask.request, reasons="More reasons.")

    response = facilitator_client.post(url("edit", collaborative, pk=ask.pk), data)

    assert response.status_code == 302
    event = ask.events.get()
    assert event.what == AskEvent.What.CHANGED
    assert "Changed the what we ask, in a line from Old words to New words." in event.note
    assert "Changed why we ask." in event.note
    assert "organisation" not in event.note
    # Nothing changed: nothing recorded.
    facilitator_client.post(url("edit", collaborative, pk=ask.pk), data)
    assert ask.events.count() == 1


def test_a_sent_ask_cannot_change(facilitator_client, facilitator, collaborative):
    ask = AskFactory(collaborative=collaborative, title="Old words")
    ask_sent(ask, by=facilitator)
    response = facilitator_client.post(url("edit", collaborative, pk=ask.pk), ask_data(title="New words"))
    assert response.status_code == 302
    ask.refresh_from_db()
    assert ask.title == "Old words"
    assert not ask.events.filter(what=AskEvent.What.CHANGED).exists()


def test_the_edit_page_refuses_a_change_that_makes_no_sense(facilitator_client, collaborative):
    ask = AskFactory(collaborative=collaborative, title="Old words")
    response = facilitator_client.post(url("edit", collaborative, pk=ask.pk), ask_data(organisation=""))
    assert response.status_code == 400
    assert "Name the organisation we ask." in response.content.decode()
    ask.refresh_from_db()
    assert ask.organisation == "South London and Maudsley NHS Trust"


def test_evidence_is_a_checked_file_or_a_link_and_members_download_the_file(
    facilitator_client, client, people, collaborative, settings, tmp_path
):
    settings.EVIDENCE_ROOT = tmp_path
    ask = AskFactory(collaborative=collaborative)
    add = url("evidence_add", collaborative, pk=ask.pk)

    facilitator_client.post(
        add, {"description": "Survey of carers", "file": SimpleUploadedFile("survey.pdf", PDF), "link": ""}
    )
    facilitator_client.post(add, {"description": "The report", "link": "example.org/report"})
    program = facilitator_client.post(
        add, {"description": "Not a PDF", "file": SimpleUploadedFile("survey.pdf", b"MZ\x90\x00program")}
    )
    nothing = facilitator_client.post(add, {"description": "Nothing"})

    assert program.status_code == 400
    assert "This kind of file cannot be added." in program.content.decode()
    assert nothing.status_code == 400
    assert "Add a file or a link." in nothing.content.decode()
    survey, report = AskEvidence.objects.order_by("id")
    assert (survey.file_name, survey.file_type) == ("survey.pdf", "application/pdf")
    assert report.link == "https://example.org/report"
    assert [event.note for event in ask.events.all()] == ["Survey of carers", "The report"]

    client.force_login(people["member"])
    download = client.get(url("evidence", collaborative, pk=survey.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert client.get(url("evidence", collaborative, pk=report.pk)).status_code == 404  # A link, no file.
    client.force_login(people["outsider"])
    assert client.get(url("evidence", collaborative, pk=survey.pk)).status_code == 404
