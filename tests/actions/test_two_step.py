"""Facilitators change other people's actions only with two-step sign-in in this session (issue 12, item 13).

An owner changes their own action with or without it; a facilitator needs it for someone else's,
and is sent to set it up (or to type the code) first, with nothing changed.
"""

import pytest
from django.urls import reverse

from actions.models import Action
from members.models import Membership
from tests.factories import MembershipFactory, action_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(collaborative):
    """A facilitator who has not set up two-step sign-in yet."""
    return MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR, two_factor=False).user


def status_url(action: Action) -> str:
    return reverse("actions:status", kwargs={"slug": "lambeth", "pk": action.pk})


def test_a_facilitator_without_two_step_sign_in_changing_a_members_action_is_sent_to_set_it_up(
    client, collaborative, newcomer, member
):
    action = action_record(collaborative, by=member)
    client.force_login(newcomer)
    response = client.post(status_url(action), {f"action-{action.pk}-status": "done"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("mfa_activate_totp"))
    action.refresh_from_db()
    assert action.status == Action.Status.OPEN


def test_a_facilitators_session_without_the_code_changing_a_members_action_is_asked_for_it(
    client, collaborative, facilitator, member
):
    action = action_record(collaborative, by=member)
    client.force_login(facilitator, two_step=False)
    response = client.post(status_url(action), {f"action-{action.pk}-status": "done"})
    assert response.headers["Location"].startswith(reverse("members:two_step"))
    action.refresh_from_db()
    assert action.status == Action.Status.OPEN


def test_a_facilitator_without_two_step_sign_in_changes_their_own_action(client, collaborative, newcomer):
    action = action_record(collaborative, by=newcomer)
    client.force_login(newcomer)
    response = client.post(status_url(action), {f"action-{action.pk}-status": "done"})
    assert response.status_code == 302
    assert response.headers["Location"] == action.get_absolute_url()
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
