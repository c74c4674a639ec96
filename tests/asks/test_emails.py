"""The emails about asks, as the outbox writes them: to the responder (no account, no preferences), to the
members (who may turn them off) and to the facilitators."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from asks.emails import ASK_ANSWERED, ASK_ANSWERED_FACILITATORS, ASK_FACT_CHECK, ASK_SENT
from asks.links import responder_path
from asks.models import ResponderLink
from asks.services import answer_give, ask_again, ask_escalate, ask_fact_check_send
from notifications.delivery import messages_claim, messages_send
from notifications.models import TURNED_OFF, Message, Preference
from tests.factories import SundayAskFactory, ask_sent_for_test

pytestmark = pytest.mark.django_db


def deliver() -> None:
    claim, ids = messages_claim(now=timezone.now() + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)


def to(mailoutbox, address: str):
    return [email for email in mailoutbox if email.to == [address]]


def test_the_ask_goes_to_the_responder_with_its_link_due_date_and_the_answers_they_can_give(
    collaborative, facilitator, mailoutbox, settings
):
    ask, _ = ask_sent_for_test(collaborative, by=facilitator, today=date(2026, 12, 2))
    deliver()
    (email,) = to(mailoutbox, ask.responder_email)
    link = ResponderLink.objects.get(ask=ask)
    assert email.subject == f"An ask for you to answer by 4 January: {ask.title} ({collaborative.name})"
    assert settings.SITE_URL.rstrip("/") + responder_path(link) in email.body
    assert "Please answer by Monday 4 January 2027 (20 working days)." in email.body
    for answer in ("We will do this", "We will do part of this", "We cannot, because…", "We need until …"):
        assert answer in email.body
    assert facilitator.email in email.body  # Who to reply to.
    assert "List-Unsubscribe" not in email.extra_headers


def test_the_fact_check_request_goes_to_the_responder(collaborative, facilitator, mailoutbox):
    ask = SundayAskFactory(collaborative=collaborative, created_by=facilitator)
    link = ask_fact_check_send(ask=ask, by=facilitator, today=date(2026, 12, 21))
    deliver()
    (email,) = to(mailoutbox, ask.responder_email)
    assert Message.objects.get(kind=ASK_FACT_CHECK.key).status == Message.Status.SENT
    assert email.subject.startswith(f"Please check our ask for factual errors: {ask.title}")
    assert responder_path(link) in email.body
    assert "by Wednesday 30 December 2026" in email.body


def test_an_answer_goes_to_the_members_and_to_the_facilitators_to_respond(collaborative, people, mailoutbox):
    facilitator, member, commissioner = people["facilitator"], people["member"], people["commissioner"]
    Preference.objects.create(user=commissioner, kind=ASK_ANSWERED.key, enabled=False)
    ask, _ = ask_sent_for_test(collaborative, by=facilitator)
    link = ResponderLink.objects.get(ask=ask)
    answer_give(
        link=link,
        kind="cannot",
        text="We have no budget for Sundays this year.",
        name="Priya Shah",
        role="Director",
        today=collaborative.local_today(),
    )
    deliver()

    (for_member,) = to(mailoutbox, member.email)
    assert for_member.subject == f"{ask.organisation} answered: We cannot do this ({collaborative.name})"
    assert "We have no budget for Sundays this year." in for_member.body
    assert "Priya Shah, Director" in for_member.body
    (for_facilitator,) = to(mailoutbox, facilitator.email)
    assert "Please record the Collaborative's response" in for_facilitator.body
    assert Message.objects.get(kind=ASK_ANSWERED_FACILITATORS.key).recipient == facilitator
    assert not to(mailoutbox, people["outsider"].email)
    turned_off = Message.objects.get(kind=ASK_ANSWERED.key, recipient=commissioner)
    assert (turned_off.status, turned_off.last_error) == (Message.Status.SKIPPED, TURNED_OFF)


def test_more_time_is_news_for_the_facilitators_only(collaborative, people, mailoutbox):
    ask, _ = ask_sent_for_test(collaborative, by=people["facilitator"])
    answer_give(
        link=ResponderLink.objects.get(ask=ask),
        kind="more_time",
        until=ask.due_on + timedelta(days=14),
        text="Our board meets after the due date.",
        name="Priya Shah",
        today=collaborative.local_today(),
    )
    deliver()
    assert not Message.objects.filter(kind=ASK_ANSWERED.key).exists()
    (email,) = to(mailoutbox, people["facilitator"].email)
    assert email.subject.startswith(f"{ask.organisation} asks for more time")
    assert f"{ask.due_on + timedelta(days=14):%-d %B %Y}" in email.body


def test_the_ask_email_is_not_sent_once_the_link_is_replaced(collaborative, facilitator, client, mailoutbox):
    """A facilitator who sends the link again before the first email went: only the newer goes."""
    ask, _ = ask_sent_for_test(collaborative, by=facilitator)
    client.force_login(facilitator)
    client.post(reverse("asks:resend", kwargs={"slug": collaborative.slug, "pk": ask.pk}))
    deliver()
    first, second = Message.objects.filter(kind=ASK_SENT.key).order_by("pk")
    assert (first.status, first.last_error) == (Message.Status.SKIPPED, "A newer link was sent since.")
    assert second.status == Message.Status.SENT
    assert len(to(mailoutbox, ask.responder_email)) == 1


def test_the_ask_email_names_who_is_asked_first_again_and_who_was_asked_before_an_escalation(
    collaborative, facilitator, mailoutbox
):
    ask, _ = ask_sent_for_test(collaborative, by=facilitator, organisation="South London Trust")
    deliver()  # Each before the answer: an email whose link has been used is stale news, and not sent.
    today = collaborative.local_today()
    answer = dict(kind="cannot", text="No money.", name="Dr Priya Shah", today=today)
    answer_give(link=ResponderLink.objects.get(ask=ask), **answer)
    ask_again(ask=ask, by=facilitator, today=today)
    deliver()
    answer_give(link=ResponderLink.objects.filter(ask=ask).latest("created_at", "id"), **answer)
    ask_escalate(
        ask=ask,
        by=facilitator,
        today=today,
        organisation="Lambeth Council",
        responder_name="Sam Okoro",
        responder_email="sam@lambeth.example",
    )
    deliver()

    first, again = (email.body for email in to(mailoutbox, ask.responder_email))
    assert f"{collaborative.name} asks South London Trust the following." in first
    assert f"{collaborative.name} asks South London Trust again." in again
    assert "Your answer, in your words but without your name, may be published" in first
    (escalation,) = to(mailoutbox, "sam@lambeth.example")
    assert (
        f"{collaborative.name} asked Dr Priya Shah at South London Trust the following and has not had an answer it "
        "can accept, so it now asks you at Lambeth Council."
    ) in escalation.body
    assert "the person at Lambeth Council to answer" in escalation.body
    assert "asked Lambeth Council" not in escalation.body
