import re

import pytest
from django.utils.html import strip_tags

from members.models import Collaborative, Membership, User
from notifications.models import Message
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_site_administrator_creates_a_collaborative_with_a_facilitator(admin_client):
    person = UserFactory()
    response = admin_client.post(
        "/admin/members/collaborative/add/",
        {
            "name": "Salford Living Well Collaborative",
            "slug": "salford",
            "area": "Salford",
            "description": "",
            "time_zone": "Europe/London",
            "first_reminder_days": "7",
            "second_reminder_days": "1",
            "created_at_0": "2026-11-26",
            "created_at_1": "10:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": str(person.pk),
            "memberships-0-role": "facilitator",
            "memberships-0-status": "active",
            "memberships-0-joined_at_0": "2026-11-26",
            "memberships-0-joined_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.text
    collaborative = Collaborative.objects.get(slug="salford")
    assert collaborative.memberships.get().role == Membership.Role.FACILITATOR
    # Joining through the site administration sends the welcome email too.
    message = Message.objects.get()
    assert (message.recipient, message.kind, message.collaborative) == (person, "welcome", collaborative)


def test_site_administrator_adds_a_person_by_email_and_name(admin_client):
    response = admin_client.post(
        "/admin/members/user/add/",
        {"email": "new.person@example.org", "display_name": "New Person", "usable_password": "false"},
        follow=True,
    )

    person = User.objects.get(email="new.person@example.org")
    assert response.redirect_chain == [(f"/admin/members/user/{person.pk}/change/", 302)]
    assert [strip_tags(message) for message in response.context["messages"]] == [
        "The user “New Person” was added successfully. You may edit it again below."
    ]
    assert person.display_name == "New Person"
    # They set a password themselves ("Forgotten your password?") or sign in with a code.
    assert not person.has_usable_password()
    assert (person.is_active, person.is_staff, person.is_superuser) == (True, False, False)
    assert not person.memberships.exists()


def test_adding_a_person_whose_address_is_taken_says_so_and_adds_no_one(admin_client):
    UserFactory(email="taken@example.org")
    response = admin_client.post(
        "/admin/members/user/add/",
        {"email": "Taken@Example.org", "display_name": "Someone Else", "usable_password": "false"},
    )

    assert response.status_code == 200
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>(.*?)</li>', response.text)
    assert errors == ["Someone already has an account with this email address."]
    assert not User.objects.filter(display_name="Someone Else").exists()


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/members/user/", "/admin/members/collaborative/", "/admin/members/membership/"]
)
def test_admin_lists_open(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_memberships_are_never_deleted_only_marked_as_left(admin_client):
    membership = MembershipFactory()
    response = admin_client.post(f"/admin/members/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize(
    "address",
    [
        "/admin/members/user/?rsvps__isnull=False",  # Who said they were coming to meetings.
        "/admin/members/user/?actions_owned__isnull=False",
        "/admin/members/user/?vision_contributions__isnull=False",
        "/admin/members/user/?messages__isnull=False",
        "/admin/members/user/?memberships=1",
        "/admin/members/collaborative/?meetings__isnull=False",
        "/admin/members/collaborative/?actions__isnull=False",
    ],
)
def test_lists_of_people_and_collaboratives_cannot_be_filtered_through_what_points_at_them(admin_client, address):
    # Django's admin answers a filter it does not allow with 400 Bad Request: nothing is listed.
    assert admin_client.get(address).status_code == 400


@pytest.mark.parametrize(
    "address",
    [
        "/admin/members/user/?is_staff__exact=1",
        "/admin/members/user/?email=someone@example.org",
        "/admin/members/user/?_to_field=id&_popup=1",
        "/admin/members/collaborative/?slug=lambeth",
    ],
)
def test_lists_of_people_and_collaboratives_keep_their_own_filters(admin_client, address):
    assert admin_client.get(address).status_code == 200
