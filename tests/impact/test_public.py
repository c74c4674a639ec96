"""The public "What changed" page and each item's page: only what is published, the same for everyone; nothing
of a Collaborative without a public page."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from asks.models import Answer
from impact.services import publication_hide, publication_publish
from tests.factories import GoalFactory, PublicationFactory
from tests.impact.rows import RESPONDER_EMAIL, answered_ask, done_action, figures_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def public(collaborative):
    collaborative.is_public = True
    collaborative.save()
    return collaborative


def clients(people) -> dict:
    """Anonymous, an outsider, a member and a facilitator, each signed in on a client of their own."""
    made = {}
    for role in ("anonymous", "outsider", "member", "facilitator"):
        client = Client()
        if people[role] is not None:
            client.force_login(people[role])
        made[role] = client
    return made


def without_csrf(html: str) -> str:
    """The page as anyone reads it: a signed-in person's header and form tokens aside."""
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_everyone_sees_the_same_published_items_and_no_hidden_one(public, people):
    shown = PublicationFactory(collaborative=public, title="Shown to all")
    hidden = PublicationFactory(collaborative=public, title="Taken off")
    publication_hide(publication=hidden, by=people["facilitator"])
    never = GoalFactory(collaborative=public, title="Never published")
    address = reverse("impact:public", kwargs={"slug": public.slug})
    pages = {}
    for role, client in clients(people).items():
        response = client.get(address)
        assert response.status_code == 200, role
        pages[role] = without_csrf(response.content.decode())
        assert "Shown to all" in pages[role]
        assert "Taken off" not in pages[role]
        assert never.title not in pages[role]
        item = reverse("impact:item", kwargs={"slug": public.slug, "pk": shown.pk})
        assert client.get(item).status_code == 200, role
        # Hidden: the same 404 as for nothing at all, facilitators included.
        assert client.get(reverse("impact:item", kwargs={"slug": public.slug, "pk": hidden.pk})).status_code == 404
    assert len(set(pages.values())) == 1


def test_a_collaborative_without_a_public_page_has_none_of_them(collaborative, people):
    publication = PublicationFactory(collaborative=collaborative)
    addresses = [
        reverse("impact:public", kwargs={"slug": collaborative.slug}),
        reverse("impact:item", kwargs={"slug": collaborative.slug, "pk": publication.pk}),
        reverse("impact:feed", kwargs={"slug": collaborative.slug}),
    ]
    for role, client in clients(people).items():
        for address in addresses:
            assert client.get(address).status_code == 404, (role, address)


def test_an_ask_shows_what_was_asked_and_the_refusal_in_the_responders_words_never_their_email(public, facilitator):
    ask = answered_ask(public, kind=Answer.Kind.CANNOT, text="We cannot, because the building closes at weekends.")
    publication = publication_publish(
        collaborative=public, by=facilitator, kind="ask", ask=ask, title="Weekend crisis cafe", summary="We asked."
    )
    page = Client().get(publication.get_absolute_url()).content.decode()
    for shown in [
        "South London and Maudsley NHS Trust",
        "Please open the crisis cafe on Saturdays and Sundays.",
        "We cannot do this",
        "because the building closes at weekends",
        "answered on",
    ]:
        assert escape(shown) in page, shown
    assert RESPONDER_EMAIL not in page
    assert "Dana Responder" not in page
    assert "Director of Services" not in page  # A role names a person as surely as a name.


def test_a_goal_shows_its_status_and_you_said_we_did_its_summary(public, facilitator):
    goal = GoalFactory(collaborative=public, title="Help in every neighbourhood", status="achieved")
    action = done_action(public, title="Map the crisis cafes")
    goal_item = publication_publish(collaborative=public, by=facilitator, kind="goal", goal=goal, title="Our goal")
    you_said = publication_publish(
        collaborative=public,
        by=facilitator,
        kind="you_said",
        action=action,
        title="Cafes",
        summary="You said: map them.",
    )
    assert "Achieved" in Client().get(goal_item.get_absolute_url()).content.decode()
    page = Client().get(you_said.get_absolute_url()).content.decode()
    assert "You said: map them." in page
    assert "Map the crisis cafes" in page
    # The owner did not agree to be named: the page names no one.
    assert escape(action.owner.display_name) not in page


def test_the_public_page_and_each_item_can_be_shared_and_followed(public):
    publication = PublicationFactory(collaborative=public, title="Weekend cafe", summary="Open on Saturdays now.")
    client = Client()
    listing = client.get(reverse("impact:public", kwargs={"slug": public.slug})).content.decode()
    item = client.get(publication.get_absolute_url()).content.decode()
    feed = reverse("impact:feed", kwargs={"slug": public.slug})
    for page in (listing, item):
        assert (
            f'<link rel="alternate" type="application/atom+xml" title="What changed: {public.name}" href="{feed}">'
            in page
        )
        for tag in ["og:title", "og:description", "og:type", "og:site_name"]:
            assert f'property="{tag}"' in page, tag
        assert '<meta name="description"' in page
    assert f'<meta property="og:url" content="http://testserver{publication.get_absolute_url()}">' in item
    assert '<meta property="og:title" content="Weekend cafe">' in item
    assert '<meta property="og:description" content="Open on Saturdays now.">' in item
    assert "<title>Weekend cafe: " in item
    # From the join page, too.
    assert (
        reverse("impact:public", kwargs={"slug": public.slug}) in client.get(public.get_public_url()).content.decode()
    )


def test_the_public_page_comes_a_page_at_a_time_newest_first(public):
    figures_items(public, 25)
    response = Client().get(reverse("impact:public", kwargs={"slug": public.slug}))
    assert len(response.context["page"].object_list) == 20
    assert "Next page" in response.content.decode()
