"""Members decide what they share: who sees perspectives, organisation and job title, and
access needs that only facilitators see."""

import pytest
from django.urls import reverse

from members.models import Membership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sharer(collaborative):
    membership = MembershipFactory(
        collaborative=collaborative,
        user__display_name="Joy Mensah",
        user__pronouns="she/her",
        user__about="Carer for my son for ten years.",
        user__perspectives=["carer"],
        user__perspectives_visibility="members",
        user__organisation="Lambeth Carers Hub",
        user__organisation_type="carer_user_led",
        user__organisation_visibility="facilitators",
        user__job_title="Chief Officer",
        user__job_title_visibility="nobody",
        user__access_needs=["step_free", "quiet_space"],
        user__access_needs_other="No nuts, please.",
    )
    return membership.user


def page(client, viewer, collaborative, person):
    client.force_login(viewer)
    return client.get(reverse("members:member_detail", kwargs={"slug": collaborative.slug, "pk": person.pk}))


def test_a_member_sees_only_what_is_shared_with_members(client, people, collaborative, sharer):
    text = page(client, people["member"], collaborative, sharer).text
    assert "Joy Mensah" in text
    assert "she/her" in text
    assert "Carer for my son" in text
    assert "Carer" in text
    assert "Lambeth Carers Hub" not in text
    assert "Chief Officer" not in text
    assert "Step-free access" not in text
    assert "No nuts" not in text


def test_a_facilitator_also_sees_what_is_for_facilitators_and_access_needs(client, people, collaborative, sharer):
    text = page(client, people["facilitator"], collaborative, sharer).text
    assert "Lambeth Carers Hub" in text
    assert "Carer or user-led organisation" in text
    assert "Chief Officer" not in text  # "Nobody" means nobody.
    assert "Step-free access" in text
    assert "Quiet space" in text
    assert "No nuts, please." in text


def test_a_commissioner_sees_what_members_see(client, people, collaborative, sharer):
    text = page(client, people["commissioner"], collaborative, sharer).text
    assert "Lambeth Carers Hub" not in text
    assert "Step-free access" not in text


def test_the_person_sees_everything_they_gave(client, collaborative, sharer):
    text = page(client, sharer, collaborative, sharer).text
    assert "Chief Officer" in text
    assert "No nuts, please." in text
    assert "Only you and facilitators see this." in text


def test_outsiders_and_people_who_left_are_not_found(client, people, collaborative, sharer):
    assert page(client, people["outsider"], collaborative, sharer).status_code == 404
    Membership.objects.filter(user=sharer).update(status=Membership.Status.LEFT, left_at="2026-01-01T10:00Z")
    assert page(client, people["member"], collaborative, sharer).status_code == 404


def test_a_member_of_another_collaborative_is_not_found_here(client, people, collaborative, other_collaborative):
    stranger = MembershipFactory(collaborative=other_collaborative).user
    assert page(client, people["member"], collaborative, stranger).status_code == 404


def test_a_member_saves_what_they_share(member_client, member):
    response = member_client.post(
        reverse("members:profile"),
        {
            "display_name": "Sam",
            "pronouns": "they/them",
            "about": "",
            "perspectives": ["lived_experience"],
            "perspectives_visibility": "facilitators",
            "organisation": "Mind in Lambeth",
            "organisation_type": "voluntary",
            "organisation_visibility": "members",
            "job_title": "Peer worker",
            "job_title_visibility": "members",
            "access_needs": ["hearing_loop"],
            "access_needs_other": "",
        },
        follow=True,
    )
    assert "Your profile has been saved." in response.text
    member.refresh_from_db()
    assert (member.pronouns, member.perspectives_visibility, member.job_title_visibility) == (
        "they/them",
        "facilitators",
        "members",
    )
    assert member.access_needs == ["hearing_loop"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("job_title_visibility", "everyone", "Select a valid choice."),
        ("organisation_type", "bank", "Select a valid choice."),
        ("access_needs", "jetpack", "Select a valid choice."),
    ],
)
def test_bad_choices_are_explained_and_change_nothing(member_client, member, field, value, message):
    data = {
        "display_name": "Sam",
        "perspectives_visibility": "members",
        "organisation_visibility": "members",
        "job_title_visibility": "nobody",
        field: value,
    }
    response = member_client.post(reverse("members:profile"), data)
    assert response.status_code == 400
    assert message in response.text
    member.refresh_from_db()
    assert member.display_name != "Sam"
