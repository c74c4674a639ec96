"""Naming people on the public page: no one is named unless they agreed to be, for that item; they can take it back,
and an erased account is never named again."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from impact.models import Credit
from members.personal_data import account_erase
from tests.factories import CreditFactory, MembershipFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def publication(collaborative):
    collaborative.is_public = True
    collaborative.save()
    return PublicationFactory(collaborative=collaborative, title="Weekend crisis cafe")


def public_page(publication) -> str:
    return Client().get(publication.get_absolute_url()).content.decode()


def credit_url(credit) -> str:
    return reverse("impact:credit", kwargs={"slug": credit.publication.collaborative.slug, "pk": credit.pk})


def test_a_facilitator_asks_and_the_member_sees_it_under_things_to_do(
    facilitator_client, publication, member, collaborative
):
    edit = reverse("impact:edit", kwargs={"slug": collaborative.slug, "pk": publication.pk})
    response = facilitator_client.post(
        reverse("impact:credit_ask", kwargs={"slug": collaborative.slug, "pk": publication.pk}), {"user": member.pk}
    )
    assert response.headers["Location"] == edit
    credit = Credit.objects.get(publication=publication, user=member)
    assert escape(member.display_name) not in public_page(publication)
    assert "not answered yet" in facilitator_client.get(edit).content.decode()
    # Asking twice, or someone who is not a member, is refused with a message and changes nothing.
    again = facilitator_client.post(
        reverse("impact:credit_ask", kwargs={"slug": collaborative.slug, "pk": publication.pk}),
        {"user": member.pk},
        follow=True,
    )
    assert "has been asked already" in again.content.decode()
    stranger = UserFactory()
    refused = facilitator_client.post(
        reverse("impact:credit_ask", kwargs={"slug": collaborative.slug, "pk": publication.pk}),
        {"user": stranger.pk},
        follow=True,
    )
    assert "Choose one of the Collaborative&#x27;s members." in refused.content.decode()
    assert Credit.objects.count() == 1

    member_client = Client()
    member_client.force_login(member)
    home = member_client.get(reverse("home:collaborative_home", kwargs={"slug": collaborative.slug})).content.decode()
    assert credit_url(credit) in home
    assert "Say whether we may name you on our public page" in home


def test_the_name_shows_only_once_agreed_and_goes_when_withdrawn(client, publication, member):
    credit = CreditFactory(publication=publication, user=member)
    name = escape(member.display_name)
    assert name not in public_page(publication)
    client.force_login(member)
    page = client.get(credit_url(credit)).content.decode()
    assert "Weekend crisis cafe" in page
    client.post(credit_url(credit), {"answer": "yes"})
    assert name in public_page(publication)
    # No longer waiting under "Things to do".
    slug = publication.collaborative.slug
    assert (
        credit_url(credit) not in client.get(reverse("home:collaborative_home", kwargs={"slug": slug})).content.decode()
    )
    client.post(credit_url(credit), {"answer": "no"})
    assert name not in public_page(publication)
    credit.refresh_from_db()
    assert credit.agreed_at is not None
    assert credit.declined_at is not None


def test_no_answer_is_refused_in_plain_words(client, publication, member):
    credit = CreditFactory(publication=publication, user=member)
    client.force_login(member)
    response = client.post(credit_url(credit), {})
    assert response.status_code == 400
    assert "Choose “Yes, name me” or “No, do not name me”." in response.content.decode()
    credit.refresh_from_db()
    assert (credit.agreed_at, credit.declined_at) == (None, None)


def test_only_the_person_asked_can_answer(client, publication, member, facilitator, collaborative):
    credit = CreditFactory(publication=publication, user=member)
    other = MembershipFactory(collaborative=collaborative).user
    for person in (other, facilitator):
        client.force_login(person)
        assert client.get(credit_url(credit)).status_code == 404
        assert client.post(credit_url(credit), {"answer": "yes"}).status_code == 404
    credit.refresh_from_db()
    assert credit.agreed_at is None


def test_an_erased_account_is_never_named_again(client, publication, member):
    credit = CreditFactory(publication=publication, user=member)
    client.force_login(member)
    client.post(credit_url(credit), {"answer": "yes"})
    name = escape(member.display_name)
    assert name in public_page(publication)
    account_erase(user=member)
    page = public_page(publication)
    assert name not in page
    assert "Former member" not in page
    credit.refresh_from_db()
    assert not credit.is_agreed
