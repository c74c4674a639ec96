"""A published ask on the public page: only the answers given up to when a facilitator published it (or last chose
to show the latest), never a request for more time nor the responder's role, and nothing at all once the ask is
withdrawn."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from asks.models import Answer, Ask, ResponderLink, Sending
from impact.models import Publication, PublicationEvent
from impact.services import publication_publish
from tests.impact.rows import answered_ask

pytestmark = pytest.mark.django_db

ESCALATED_TO = "NHS South East London Integrated Care Board"
LATER_WORDS = "We will fund weekend opening from April."


@pytest.fixture
def published(collaborative, facilitator) -> Publication:
    """An answered ask of a Collaborative with a public page, published a minute ago."""
    collaborative.is_public = True
    collaborative.save()
    ask = answered_ask(collaborative)
    return publication_publish(
        collaborative=collaborative, by=facilitator, kind="ask", ask=ask, title="Weekend crisis cafe", summary="."
    )


def answer_later(ask: Ask, *, kind=Answer.Kind.WILL, text=LATER_WORDS, **fields) -> Answer:
    """An escalation to a new responder, answered after the item was published."""
    today = timezone.localdate()
    sending = Sending.objects.create(
        ask=ask,
        kind=Sending.Kind.ESCALATION,
        organisation=ESCALATED_TO,
        responder_name="Sam Chief",
        responder_role="Chief Executive",
        responder_email="sam.chief@icb.example.org",
        sent_on=today,
        due_on=today + timedelta(days=20),
        first_due_on=today + timedelta(days=20),
        answered_on=today,
    )
    link = ResponderLink.objects.create(
        ask=ask, sending=sending, purpose=ResponderLink.Purpose.ANSWER, email=sending.responder_email
    )
    return Answer.objects.create(
        ask=ask,
        sending=sending,
        link=link,
        kind=kind,
        text=text,
        name="Sam Chief",
        role="Chief Executive",
        **fields,
    )


def public_page(publication: Publication) -> str:
    return Client().get(publication.get_absolute_url()).content.decode()


def edit_url(publication: Publication, name: str = "impact:edit") -> str:
    return reverse(name, kwargs={"slug": publication.collaborative.slug, "pk": publication.pk})


def test_publishing_an_ask_keeps_when_its_answers_were_read(published):
    assert published.answers_until == published.first_published_at


def test_a_later_answer_shows_only_once_a_facilitator_shows_it(published, facilitator_client, facilitator):
    answer_later(published.ask)
    page = public_page(published)
    assert escape(LATER_WORDS) not in page
    assert ESCALATED_TO not in page  # The escalation itself waits too.
    assert "Director of Services" not in page
    assert "Chief Executive" not in page

    edit = facilitator_client.get(edit_url(published)).content.decode()
    assert "1 newer answer not on the public page yet" in edit
    manage = reverse("impact:manage", kwargs={"slug": published.collaborative.slug})
    assert "Newer answers not on the public page yet" in facilitator_client.get(manage).content.decode()

    events = PublicationEvent.objects.count()
    facilitator_client.post(edit_url(published, "impact:answers_update"))
    published.refresh_from_db()
    assert published.answers_until > published.first_published_at
    assert PublicationEvent.objects.count() == events + 1
    assert PublicationEvent.objects.latest("id").what == PublicationEvent.What.CHANGED
    page = public_page(published)
    assert escape(LATER_WORDS) in page
    assert ESCALATED_TO in page
    assert "Chief Executive" not in page
    assert "Sam Chief" not in page
    assert "newer answer" not in facilitator_client.get(edit_url(published)).content.decode()

    again = facilitator_client.post(edit_url(published, "impact:answers_update"), follow=True)
    assert "The public page shows every answer already." in again.content.decode()
    assert PublicationEvent.objects.count() == events + 1


def test_a_request_for_more_time_never_shows_nor_counts_as_a_newer_answer(published, facilitator_client):
    answer_later(
        published.ask,
        kind=Answer.Kind.MORE_TIME,
        text="The board meets in May; we need until June.",
        until=timezone.localdate() + timedelta(days=60),
    )
    published.answers_until = timezone.now() + timedelta(days=1)  # As if shown since.
    Publication.objects.filter(pk=published.pk).update(answers_until=published.answers_until)
    assert "The board meets in May" not in public_page(published)
    assert "We need more time" not in public_page(published)
    assert "newer answer" not in facilitator_client.get(edit_url(published)).content.decode()


def test_a_withdrawn_ask_leaves_the_public_page_the_item_and_the_feed(published, facilitator_client):
    slug = published.collaborative.slug
    Ask.objects.filter(pk=published.ask_id).update(status=Ask.Status.WITHDRAWN)
    anyone = Client()
    assert published.title not in anyone.get(reverse("impact:public", kwargs={"slug": slug})).content.decode()
    assert published.title not in anyone.get(reverse("impact:feed", kwargs={"slug": slug})).content.decode()
    assert anyone.get(published.get_absolute_url()).status_code == 404
    assert "The ask was withdrawn" in facilitator_client.get(edit_url(published)).content.decode()
    manage = facilitator_client.get(reverse("impact:manage", kwargs={"slug": slug})).content.decode()
    assert "The ask was withdrawn: not on the public page" in manage
    refused = facilitator_client.post(edit_url(published, "impact:answers_update"), follow=True)
    assert "The ask was withdrawn, so it is not on the public page." in refused.content.decode()
