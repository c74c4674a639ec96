import pytest

from members.models import Collaborative, Membership
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
    )
    assert response.status_code == 302, response.text


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
