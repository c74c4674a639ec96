import html
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from asks.models import Answer, Ask, AskEvent, ResponderLink, Sending
from asks.services import answer_due_on
from tests.factories import AskFactory, ask_answered, ask_sent

pytestmark = pytest.mark.django_db


def url(name: str, ask) -> str:
    return reverse(f"asks:{name}", kwargs={"slug": ask.collaborative.slug, "pk": ask.pk})


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def sent(collaborative, facilitator):
    ask = AskFactory(collaborative=collaborative, title="Weekend crisis cafe")
    ask_sent(ask, by=facilitator, today=date(2026, 11, 2))
    ask.refresh_from_db()
    return ask


@pytest.fixture
def answered(sent):
    ask_answered(sent, kind=Answer.Kind.CANNOT, on=date(2026, 11, 20), text="We cannot, because of funding.")
    return sent


def test_the_due_date_moves_with_a_reason_on_the_ask_and_its_sending(facilitator_client, sent):
    old = sent.due_on
    response = facilitator_client.post(
        url("due_date", sent), {"due_on": "2027-01-15", "due_reason": "They asked for the holidays."}
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    sending = sent.sendings.get()
    assert sent.due_on == sending.due_on == date(2027, 1, 15)
    assert sending.first_due_on == old
    event = sent.events.get(what=AskEvent.What.DUE_CHANGED)
    assert event.note == f"From {old:%-d %B %Y} to 15 January 2027: They asked for the holidays."
    assert event.sending == sending


def test_a_due_date_without_a_reason_or_before_sending_is_refused(facilitator_client, sent):
    response = facilitator_client.post(url("due_date", sent), {"due_on": "2026-10-01", "due_reason": ""})
    assert response.status_code == 400
    assert "Say why the due date changes." in text(response)
    assert "Choose a day after the ask was sent (2 November 2026)." in text(response)
    sent.refresh_from_db()
    assert sent.due_on == answer_due_on(date(2026, 11, 2))


def test_the_due_date_of_an_ask_not_waiting_does_not_change(facilitator_client, collaborative):
    draft = AskFactory(collaborative=collaborative)
    response = facilitator_client.post(url("due_date", draft), {"due_on": "2027-01-15", "due_reason": "Why not"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.due_on is None


def test_members_cannot_take_the_facilitators_steps(member_client, answered):
    for name in ("due_date", "response", "withdraw", "take_up"):
        assert member_client.post(url(name, answered), {"response": "accept"}).status_code == 403
    answered.refresh_from_db()
    assert answered.status == Ask.Status.ANSWERED


def test_accepting_the_answer_closes_the_ask(facilitator_client, answered):
    facilitator_client.post(url("response", answered), {"response": "accept", "note": "Fair enough."})
    answered.refresh_from_db()
    assert answered.status == Ask.Status.CLOSED
    assert answered.events.last().what == AskEvent.What.ACCEPTED


def test_following_up_makes_an_action_linked_from_the_ask(facilitator_client, member, answered):
    response = facilitator_client.post(
        url("response", answered),
        {
            "response": "follow_up",
            "action_title": "Find funding for weekend opening",
            "action_owner": member.pk,
            "action_due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    answered.refresh_from_db()
    action = Action.objects.get()
    assert answered.action == action
    assert answered.status == Ask.Status.CLOSED
    assert (action.owner, action.organisation) == (member, answered.organisation)
    assert "Weekend crisis cafe" in action.description
    assert action.changes.filter(field="created").exists()  # Recorded as the action log records it.
    page = facilitator_client.get(answered.get_absolute_url()).content.decode()
    assert action.get_absolute_url() in page
    action_page = facilitator_client.get(action.get_absolute_url()).content.decode()
    assert f'From an ask: <a href="{answered.get_absolute_url()}">' in action_page


def test_following_up_needs_the_action_filled_in(facilitator_client, answered):
    response = facilitator_client.post(url("response", answered), {"response": "follow_up"})
    assert response.status_code == 400
    for said in ("Say what the action will do.", "Choose the member who owns the action.", "Choose the action"):
        assert said in text(response)
    assert not Action.objects.exists()


def test_asking_again_starts_a_new_clock(facilitator_client, answered):
    today = timezone.localdate()
    facilitator_client.post(url("response", answered), {"response": "again", "note": "Please think again."})
    answered.refresh_from_db()
    again = answered.sendings.order_by("id").last()
    assert again.kind == Sending.Kind.AGAIN
    assert (again.sent_on, again.due_on) == (today, answer_due_on(today))
    assert answered.status == Ask.Status.WAITING
    assert answered.due_on == again.due_on
    assert answered.answered_on is None
    link = ResponderLink.objects.filter(sending=again).get()
    assert link.problem() == ""
    assert answered.events.last().note == "Please think again."


def test_escalating_goes_to_someone_else_with_a_new_clock(facilitator_client, answered):
    today = timezone.localdate()
    assert "Escalated on" not in text(facilitator_client.get(url("detail", answered)))  # No day to choose: it is now.
    response = facilitator_client.post(
        url("response", answered),
        {
            "response": "escalate",
            "organisation": "South East London Integrated Care Board",
            "responder_name": "Sam Okafor",
            "responder_role": "Chief executive",
            "responder_email": "sam.okafor@icb.example.org",
        },
    )
    assert response.status_code == 302
    answered.refresh_from_db()
    sending = answered.sendings.order_by("id").last()
    assert answered.status == Ask.Status.ESCALATED
    assert (sending.kind, sending.organisation, sending.responder_email) == (
        Sending.Kind.ESCALATION,
        "South East London Integrated Care Board",
        "sam.okafor@icb.example.org",
    )
    assert answered.responder_name == "Sam Okafor"
    assert sending.due_on == answer_due_on(today)
    event = answered.events.last()
    assert event.what == AskEvent.What.ESCALATED
    assert event.note.startswith("Escalated from Alex Morgan")


def test_escalation_needs_whom(facilitator_client, answered):
    response = facilitator_client.post(url("response", answered), {"response": "escalate", "responder_email": "nobody"})
    assert response.status_code == 400
    for said in (
        "Name the organisation we escalate to.",
        "Name the person who will answer.",
        "Give an email address such as name@example.org.",
    ):
        assert said in text(response)
    assert answered.sendings.count() == 1


def test_an_overdue_ask_with_no_answer_can_be_escalated_but_not_accepted(facilitator_client, sent):
    accepted = facilitator_client.post(url("response", sent), {"response": "accept"})
    assert accepted.status_code == 400
    assert "Select a valid choice." in text(accepted) or "Choose one of the responses shown." in text(accepted)
    facilitator_client.post(
        url("response", sent),
        {
            "response": "escalate",
            "organisation": "Lambeth Council",
            "responder_name": "Sam Okafor",
            "responder_email": "sam@lambeth.example.org",
        },
    )
    sent.refresh_from_db()
    assert sent.status == Ask.Status.ESCALATED
    assert sent.sendings.count() == 2


def test_an_ask_waiting_and_not_yet_due_has_nothing_to_respond_to(facilitator_client, facilitator, collaborative):
    ask = AskFactory(collaborative=collaborative)
    ask_sent(ask, by=facilitator)
    response = facilitator_client.post(url("response", ask), {"response": "escalate"}, follow=True)
    assert "There is no answer to respond to yet." in text(response)
    assert ask.sendings.count() == 1


def test_withdrawing_needs_a_reason_and_keeps_the_ask(facilitator_client, sent):
    refused = facilitator_client.post(url("withdraw", sent), {"withdraw_reason": "  "})
    assert refused.status_code == 400
    assert "Say why the ask is withdrawn." in text(refused)
    facilitator_client.post(url("withdraw", sent), {"withdraw_reason": "The service closed."})
    sent.refresh_from_db()
    assert sent.status == Ask.Status.WITHDRAWN
    assert sent.events.last().note == "The service closed."
