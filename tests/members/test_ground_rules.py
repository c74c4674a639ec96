import pytest
from django.urls import reverse

from members.models import DEFAULT_GROUND_RULES, GroundRules, GroundRulesAcceptance, Membership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def url(collaborative, name="members:ground_rules"):
    return reverse(name, kwargs={"slug": collaborative.slug})


def test_a_new_collaborative_shows_the_default_ground_rules(member_client, collaborative):
    response = member_client.get(url(collaborative))
    assert response.status_code == 200
    assert "We meet as equals." in response.text
    assert "I agree to these ground rules" in response.text
    assert not GroundRules.objects.exists()  # Reading changes nothing.


def test_the_home_page_asks_a_member_to_agree_until_they_do(member_client, member, collaborative):
    assert "Please read our ground rules" in member_client.get(collaborative.get_absolute_url()).text

    response = member_client.post(url(collaborative), follow=True)

    assert "Thank you. You have agreed to the ground rules." in response.text
    assert "You agreed to these ground rules on" in response.text
    acceptance = GroundRulesAcceptance.objects.get()
    assert acceptance.membership.user == member
    assert acceptance.ground_rules.text == DEFAULT_GROUND_RULES
    assert "Please read our ground rules" not in member_client.get(collaborative.get_absolute_url()).text


def test_agreeing_twice_keeps_one_agreement(member_client, collaborative):
    member_client.post(url(collaborative))
    member_client.post(url(collaborative))
    assert GroundRulesAcceptance.objects.count() == 1
    assert GroundRules.objects.count() == 1


def test_a_facilitator_changes_them_and_members_are_asked_again_with_history_kept(
    client, facilitator, member, collaborative
):
    client.force_login(member)
    client.post(url(collaborative))
    client.force_login(facilitator)

    response = client.post(
        url(collaborative, "members:ground_rules_edit"), {"text": "  Be kind.\n\nListen.  "}, follow=True
    )

    assert "The ground rules have been changed." in response.text
    assert "<p>Be kind.</p>" in response.text
    assert "0 of 3 members have agreed to this version." in response.text
    assert list(GroundRules.objects.values_list("text", flat=True)) == ["Be kind.\n\nListen.", DEFAULT_GROUND_RULES]
    assert GroundRulesAcceptance.objects.get().ground_rules.text == DEFAULT_GROUND_RULES  # Kept.
    client.force_login(member)
    assert "Please read our ground rules" in client.get(collaborative.get_absolute_url()).text


def test_the_change_form_starts_from_the_current_text(facilitator_client, collaborative):
    response = facilitator_client.get(url(collaborative, "members:ground_rules_edit"))
    assert "We meet as equals." in response.text


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "This field is required."), ("x" * 5001, "Ensure this value has at most 5000 characters")],
)
def test_bad_ground_rules_are_explained_and_change_nothing(facilitator_client, collaborative, text, message):
    response = facilitator_client.post(url(collaborative, "members:ground_rules_edit"), {"text": text})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert message in response.text
    assert not GroundRules.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("commissioner", 403), ("outsider", 404)])
def test_only_facilitators_change_them(client, people, collaborative, role, status):
    client.force_login(people[role])
    response = client.post(url(collaborative, "members:ground_rules_edit"), {"text": "Taken over"})
    assert response.status_code == status
    assert not GroundRules.objects.exists()


def test_an_outsider_cannot_agree(client, people, collaborative):
    client.force_login(people["outsider"])
    assert client.post(url(collaborative)).status_code == 404
    assert not GroundRulesAcceptance.objects.exists()


def test_members_who_left_are_not_counted(facilitator_client, collaborative):
    gone = MembershipFactory(collaborative=collaborative)
    facilitator_client.post(url(collaborative, "members:ground_rules_edit"), {"text": "Be kind."})
    Membership.objects.filter(pk=gone.pk).update(status=Membership.Status.LEFT, left_at="2026-01-01T10:00Z")
    facilitator_client.post(url(collaborative))
    assert "1 of 3 members have agreed to this version." in facilitator_client.get(url(collaborative)).text
