"""Sending an ask for a fact check, the responder's comments through their link, and then sending it."""

from datetime import date

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from asks.emails import ASK_FACT_CHECK, ASK_FACT_CHECKED, ASK_SENT
from asks.links import responder_token
from asks.models import Ask, AskEvent, FactCheck, ResponderLink
from asks.services import ask_fact_check_send, ask_link_resend, ask_send
from collaborative.working_days import add_working_days
from notifications.models import Message
from tests.factories import SundayAskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(collaborative, facilitator):
    return SundayAskFactory(collaborative=collaborative, created_by=facilitator, fact_check_days=3)


def url(name, ask):
    return reverse(name, kwargs={"slug": ask.collaborative.slug, "pk": ask.pk})


def test_a_facilitator_sends_for_a_fact_check_with_working_days_to_answer(facilitator_client, ask, facilitator):
    response = facilitator_client.post(url("asks:fact_check_send", ask))
    assert response.status_code == 302

    ask.refresh_from_db()
    assert ask.status == Ask.Status.CHECKING
    assert ask.fact_check_due_on == add_working_days(ask.collaborative.local_today(), 3)
    link = ResponderLink.objects.get(ask=ask)
    assert (link.purpose, link.email, link.sending) == ("check", ask.responder_email, None)
    assert ask.events.get(what=AskEvent.What.CHECK_SENT).by == facilitator
    assert Message.objects.get(kind=ASK_FACT_CHECK.key).to_address == ask.responder_email


def test_a_member_cannot_send_an_ask(member_client, ask):
    assert member_client.post(url("asks:fact_check_send", ask)).status_code == 403
    assert member_client.post(url("asks:send", ask)).status_code == 403
    ask.refresh_from_db()
    assert ask.status == Ask.Status.DRAFT


def test_the_responder_comments_more_than_once_and_the_ask_is_not_changed(client, ask, facilitator, people):
    link = ask_fact_check_send(ask=ask, by=facilitator, today=ask.collaborative.local_today())
    page_url = reverse("asks:respond", kwargs={"token": responder_token(link)})
    assert "Is anything in this not right?" in client.get(page_url).content.decode()

    for text in ("The cafe is run by the council, not the trust.", "And it opens at 10, not 12."):
        assert client.post(page_url, {"name": "Priya Shah", "text": text}).status_code == 302

    assert list(FactCheck.objects.values_list("text", flat=True)) == [
        "The cafe is run by the council, not the trust.",
        "And it opens at 10, not 12.",
    ]
    assert ask.events.filter(what=AskEvent.What.CHECKED, by_name="Priya Shah").count() == 2
    told = set(Message.objects.filter(kind=ASK_FACT_CHECKED.key).values_list("recipient", flat=True))
    assert told == {facilitator.pk}
    before = ask.request
    ask.refresh_from_db()
    assert (ask.request, ask.status) == (before, Ask.Status.CHECKING)
    assert "And it opens at 10, not 12." in client.get(page_url).content.decode()


def test_once_sent_or_past_its_working_days_the_fact_check_link_takes_no_more(client, ask, facilitator):
    Ask.objects.filter(pk=ask.pk).update(fact_check_days=5)
    link = ask_fact_check_send(ask=ask, by=facilitator, today=date(2026, 12, 21))
    page_url = reverse("asks:respond", kwargs={"token": responder_token(link)})
    # 5 working days from Monday 21 December, over Christmas: the 22nd, 23rd and 24th, then the 29th and 30th.
    assert Ask.objects.get(pk=ask.pk).fact_check_due_on == date(2026, 12, 30)
    Ask.objects.filter(pk=ask.pk).update(fact_check_due_on=date(2020, 1, 1))
    late = client.post(page_url, {"name": "Priya", "text": "One more thing."})
    assert late.status_code == 400
    assert "The time for a fact check is over." in late.content.decode()

    Ask.objects.filter(pk=ask.pk).update(fact_check_due_on=date(2099, 1, 1))
    client.force_login(facilitator)
    assert client.post(url("asks:send", ask)).status_code == 302
    client.logout()
    sent = client.post(page_url, {"name": "Priya", "text": "One more thing."})
    assert sent.status_code == 400
    assert "The ask has been sent" in sent.content.decode()
    assert not FactCheck.objects.exists()
    assert Message.objects.filter(kind=ASK_SENT.key).count() == 1


def test_sending_starts_the_clock_of_20_working_days(facilitator_client, ask):
    facilitator_client.post(url("asks:send", ask))
    ask.refresh_from_db()
    sending = ask.sendings.get()
    assert ask.status == Ask.Status.WAITING
    assert ask.due_on == sending.due_on == add_working_days(sending.sent_on, 20)
    assert Message.objects.get(kind=ASK_SENT.key).about == sending.links.get()
    # Sent once: a second press says so and sends nothing more.
    facilitator_client.post(url("asks:send", ask))
    assert ask.sendings.count() == 1
    assert Message.objects.filter(kind=ASK_SENT.key).count() == 1


def test_nothing_to_send_again_for_an_ask_being_written(facilitator_client, ask):
    response = facilitator_client.post(url("asks:resend", ask), follow=True)
    assert "There is no link to send again" in response.content.decode()
    assert not ResponderLink.objects.exists()


def test_the_send_controls_offer_what_the_asks_status_allows(ask, facilitator, rf):
    """The ask's page includes them: {% include "asks/_send_controls.html" %}, given `ask` and `can_manage`."""

    def controls(can_manage=True) -> str:
        ask.refresh_from_db()
        request = rf.get("/")
        return render_to_string("asks/_send_controls.html", {"ask": ask, "can_manage": can_manage}, request=request)

    draft = controls()
    assert url("asks:fact_check_send", ask) in draft
    assert url("asks:send", ask) in draft
    assert url("asks:resend", ask) not in draft
    assert controls(can_manage=False).strip() == ""

    ask_fact_check_send(ask=ask, by=facilitator, today=ask.collaborative.local_today())
    checking = controls()
    assert url("asks:fact_check_send", ask) not in checking
    assert url("asks:send", ask) in checking
    assert url("asks:resend", ask) in checking

    ask_send(ask=ask, by=facilitator, today=ask.collaborative.local_today())
    waiting = controls()
    assert url("asks:send", ask) not in waiting
    assert url("asks:resend", ask) in waiting


def test_a_member_sees_neither_the_responders_address_nor_the_comments_of_an_ask_being_checked(
    client, ask, facilitator, member
):
    """The timeline every member reads keeps the responder's address and the fact-check comments out: the page
    shows the address to facilitators only, and the comments to members only once the ask is sent."""
    link = ask_fact_check_send(ask=ask, by=facilitator, today=ask.collaborative.local_today())
    page_url = reverse("asks:respond", kwargs={"token": responder_token(link)})
    client.post(page_url, {"name": "Priya", "text": "Wrong hours."})
    ask_link_resend(ask=ask, by=facilitator)
    client.force_login(member)
    page = client.get(url("asks:detail", ask)).content.decode()
    for step in ("Sent for a fact check", "Link sent again", "Fact check comments received"):
        assert step in page
    assert ask.responder_email not in page
    assert "Wrong hours." not in page
