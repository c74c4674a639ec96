"""The payments contact: a responsibility a facilitator gives a member (a treasurer, say), kept in the
membership's history; it needs two-step sign-in, as a facilitator's role does."""

import html

import pytest
from django.urls import reverse

from collaborative.permissions import TwoFactorRequired, payments_contact_for
from members.models import Membership, MembershipChange
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("members:directory", kwargs={"slug": "lambeth"})


def text(response) -> str:
    return html.unescape(response.content.decode())


def toggle(person) -> str:
    return reverse("members:member_payments", kwargs={"slug": "lambeth", "pk": person.pk})


def manage(person) -> str:
    return reverse("members:member_manage", kwargs={"slug": "lambeth", "pk": person.pk})


def handles_payments(user) -> bool:
    return Membership.objects.get(user=user).handles_payments


def test_a_facilitator_makes_a_member_the_payments_contact_and_it_is_kept_in_the_history(
    facilitator_client, facilitator, member
):
    assert "Payments contact" in text(facilitator_client.get(manage(member)))
    response = facilitator_client.post(toggle(member), {"handles_payments": "yes"})
    assert response.status_code == 302
    assert handles_payments(member)
    change = MembershipChange.objects.get(field=MembershipChange.Field.PAYMENTS)
    assert (change.old_value, change.new_value, change.changed_by) == ("no", "yes", facilitator)
    page = text(facilitator_client.get(manage(member)))
    assert "is now a payments contact" in page

    facilitator_client.post(toggle(member), {"handles_payments": "no"})
    assert not handles_payments(member)
    assert MembershipChange.objects.filter(field=MembershipChange.Field.PAYMENTS).count() == 2


def test_no_answer_changes_nothing_and_says_what_to_do(facilitator_client, member):
    response = facilitator_client.post(toggle(member), {"handles_payments": "maybe"})
    assert response.status_code == 302
    assert 'Choose "Yes" or "No".' in text(facilitator_client.get(response["Location"]))
    assert not handles_payments(member)
    assert not MembershipChange.objects.filter(field=MembershipChange.Field.PAYMENTS).exists()


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("commissioner", 403), ("outsider", 404)])
def test_only_facilitators_give_the_responsibility(client, people, role, status):
    client.force_login(people[role])
    assert client.post(toggle(people["member"]), {"handles_payments": "yes"}).status_code == status
    assert not handles_payments(people["member"])


def test_becoming_the_payments_contact_ends_the_persons_sessions(client, facilitator, member):
    client.force_login(member)
    assert client.get(DIRECTORY).status_code == 200
    other = client.__class__()  # A facilitator, elsewhere, makes them the payments contact.
    other.force_login(facilitator)
    other.post(toggle(member), {"handles_payments": "yes"})
    assert client.get(DIRECTORY)["Location"].startswith(reverse("account_login"))


def test_a_facilitator_who_makes_themselves_the_payments_contact_stays_signed_in(facilitator_client, facilitator):
    facilitator_client.post(toggle(facilitator), {"handles_payments": "yes"})
    assert handles_payments(facilitator)
    assert facilitator_client.get(DIRECTORY).status_code == 200


def test_a_payments_contact_without_an_authenticator_app_must_set_it_up(client, facilitator, member, collaborative):
    """Made payments contact, the member (who has no app) is sent to set up two-step sign-in before any
    page of the payments contact, as a facilitator is."""
    client.force_login(facilitator)
    client.post(toggle(member), {"handles_payments": "yes"})
    member.refresh_from_db()
    assert Membership.objects.get(user=member).needs_two_step
    with pytest.raises(TwoFactorRequired):
        payments_contact_for(member, "lambeth")
    # One who has it set up, and gave its code in this session, is let in.
    ready = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    client.force_login(ready)
    client.get(DIRECTORY)  # The middleware notes this session's second step on the person.
    assert payments_contact_for(client.get(DIRECTORY).wsgi_request.user, "lambeth").handles_payments


def test_facilitators_see_who_is_the_payments_contact_in_the_members_list(client, people, collaborative):
    MembershipFactory(collaborative=collaborative, handles_payments=True, user__display_name="Tess Treasurer")
    client.force_login(people["facilitator"])
    page = text(client.get(DIRECTORY))
    assert "Tess Treasurer" in page
    assert "Payments contact" in page
    for role in ("member", "commissioner"):
        client.force_login(people[role])
        page = text(client.get(DIRECTORY))
        assert "Tess Treasurer" in page
        assert "Payments contact" not in page
