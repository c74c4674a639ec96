import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import strip_tags

from meetings.models import Rsvp
from members.models import Collaborative, Membership, MembershipChange, User
from members.services import membership_leave
from notifications.models import Message
from tests.factories import EmailAddressFactory, MeetingFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_admin(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, site_admin):
    client.force_login(site_admin)
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


def test_adding_a_person_with_an_address_another_account_confirmed_says_so_and_adds_no_one(admin_client):
    EmailAddressFactory(user=UserFactory(), email="second@example.org", primary=False)
    response = admin_client.post(
        "/admin/members/user/add/",
        {"email": "Second@Example.org", "display_name": "Someone Else", "usable_password": "false"},
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


# Memberships changed here are recorded as on the Collaborative's own pages.


def history(membership) -> list[tuple]:
    return list(membership.changes.order_by("id").values_list("field", "old_value", "new_value", "changed_by__email"))


def change_membership(admin_client, membership, **changes):
    data = {
        "user": membership.user_id,
        "collaborative": membership.collaborative_id,
        "role": membership.role,
        "status": membership.status,
    }
    return admin_client.post(f"/admin/members/membership/{membership.pk}/change/", data | changes)


def test_a_role_changed_here_is_kept_in_the_history_and_ends_their_sessions(admin_client, site_admin, people):
    membership = Membership.objects.get(user=people["member"])
    generation = people["member"].session_generation

    response = change_membership(admin_client, membership, role="facilitator")

    assert response.status_code == 302, response.text
    membership.refresh_from_db()
    assert membership.role == Membership.Role.FACILITATOR
    assert history(membership) == [("role", "member", "facilitator", site_admin.email)]
    # As when a facilitator does it: they start again from sign-in, with the two-step code.
    people["member"].refresh_from_db()
    assert people["member"].session_generation == generation + 1


def test_a_membership_ended_here_records_when_and_gives_up_their_places_at_meetings(
    admin_client, site_admin, collaborative, people
):
    membership = Membership.objects.get(user=people["member"])
    meeting = MeetingFactory(collaborative=collaborative)
    Rsvp.objects.create(meeting=meeting, user=people["member"], answer=Rsvp.Answer.COMING)

    response = change_membership(admin_client, membership, status="deactivated")

    assert response.status_code == 302, response.text
    membership.refresh_from_db()
    assert membership.status == Membership.Status.DEACTIVATED
    assert timezone.now() - membership.left_at < timedelta(minutes=1)
    assert history(membership) == [("status", "active", "deactivated", site_admin.email)]
    assert Rsvp.objects.get(meeting=meeting).answer == Rsvp.Answer.NOT_COMING


def test_someone_brought_back_here_is_active_again_and_it_is_kept_in_the_history(admin_client, site_admin, people):
    membership = membership_leave(membership=Membership.objects.get(user=people["member"]))

    response = change_membership(admin_client, membership, status="active", role="commissioner")

    assert response.status_code == 302, response.text
    membership.refresh_from_db()
    assert (membership.status, membership.role, membership.left_at) == ("active", "commissioner", None)
    assert history(membership)[1:] == [
        ("status", "left", "active", site_admin.email),
        ("role", "member", "commissioner", site_admin.email),
    ]


def test_the_dates_of_joining_and_leaving_are_shown_here_but_not_changed(admin_client, people):
    membership = Membership.objects.get(user=people["member"])
    joined_at = membership.joined_at

    page = admin_client.get(f"/admin/members/membership/{membership.pk}/change/").content.decode()
    response = change_membership(admin_client, membership, joined_at_0="2020-01-01", joined_at_1="10:00:00")

    assert 'name="joined_at_0"' not in page
    assert 'name="left_at_0"' not in page
    assert response.status_code == 302, response.text
    membership.refresh_from_db()
    assert membership.joined_at == joined_at


def test_roles_changed_in_a_collaboratives_list_of_members_are_kept_in_the_history(
    admin_client, site_admin, collaborative, people
):
    memberships = list(collaborative.memberships.order_by("pk"))
    data = {
        "name": collaborative.name,
        "slug": collaborative.slug,
        "area": collaborative.area,
        "description": collaborative.description,
        "time_zone": "Europe/London",
        "first_reminder_days": "7",
        "second_reminder_days": "1",
        "created_at_0": "2026-11-26",
        "created_at_1": "10:00:00",
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
    }
    for i, membership in enumerate(memberships):
        data |= {
            f"memberships-{i}-id": membership.pk,
            f"memberships-{i}-collaborative": collaborative.pk,
            f"memberships-{i}-user": membership.user_id,
            f"memberships-{i}-role": "facilitator" if membership.user == people["member"] else membership.role,
            f"memberships-{i}-status": membership.status,
        }
    generation = people["member"].session_generation

    response = admin_client.post(f"/admin/members/collaborative/{collaborative.pk}/change/", data)

    assert response.status_code == 302, response.text
    changes = MembershipChange.objects.filter(membership__collaborative=collaborative)
    assert list(changes.values_list("membership__user", "field", "old_value", "new_value", "changed_by")) == [
        (people["member"].pk, "role", "member", "facilitator", site_admin.pk)
    ]
    people["member"].refresh_from_db()
    assert people["member"].session_generation == generation + 1
