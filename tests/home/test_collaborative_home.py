"""A Collaborative's home page: what it shows of the next meeting, the ground rules and "My actions", and that
it costs the same number of queries for a small Collaborative as for one ten times larger (issue 14)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Rsvp
from meetings.services import rsvp_set
from members.models import Membership
from members.services import ground_rules_accept, ground_rules_change
from tests.caching import nothing_cached
from tests.factories import (
    ActionFactory,
    GoalFactory,
    MeetingFactory,
    MembershipFactory,
    ValueFactory,
    VenueFactory,
    VisionVersionFactory,
)
from vision.models import VisionVersion

pytestmark = pytest.mark.django_db

HOME = reverse("home:collaborative_home", kwargs={"slug": "lambeth"})
TODAY = timezone.localdate()


def queries(client) -> int:
    """The queries of the page as it is made, not as it comes from the cache."""
    with nothing_cached(), CaptureQueriesContext(connection) as captured:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(captured)


def grow(collaborative, member, facilitator, n: int) -> None:
    """n more of everything the home page looks at: members and their answers, meetings, ground rules agreed
    to, vision versions, goals due, and actions the member owns or supports among others' actions."""
    meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() + timedelta(days=3))
    for i in range(n):
        other = MembershipFactory(collaborative=collaborative)
        rsvp_set(meeting=meeting, user=other.user, answer=Rsvp.Answer.COMING)
        ground_rules_accept(membership=other)
        MeetingFactory(collaborative=collaborative, starts_at=timezone.now() + timedelta(days=10 + i))
        GoalFactory(collaborative=collaborative, review_on=TODAY - timedelta(days=1))
        VisionVersionFactory(collaborative=collaborative)
        ActionFactory(collaborative=collaborative, owner=member, due_on=TODAY + timedelta(days=i - 3))
        ActionFactory(collaborative=collaborative, supporters=[member, other.user])
        ActionFactory(collaborative=collaborative, owner=other.user)
    ground_rules_change(collaborative=collaborative, text=f"Be kind ({n}).", by=facilitator)


def test_the_same_queries_for_a_small_and_a_large_collaborative(member_client, collaborative, member, facilitator):
    vision = VisionVersionFactory(
        collaborative=collaborative, status=VisionVersion.Status.ADOPTED, adopted_at=timezone.now()
    )
    ValueFactory(version=vision)
    membership = Membership.objects.get(collaborative=collaborative, user=member)
    ground_rules_accept(membership=membership)
    grow(collaborative, member, facilitator, 2)
    member_client.get(HOME)
    small = queries(member_client)
    grow(collaborative, member, facilitator, 20)
    assert queries(member_client) == small


def test_the_members_answer_to_the_next_meeting(member_client, collaborative, member):
    meeting = MeetingFactory(collaborative=collaborative, venue=VenueFactory(collaborative=collaborative, capacity=1))
    page = member_client.get(HOME).content.decode()
    assert "Tap one to tell the facilitators." in page
    rsvp_set(meeting=meeting, user=member, answer=Rsvp.Answer.MAYBE)
    page = member_client.get(HOME).content.decode()
    assert "You said: maybe." in page
    assert 'value="maybe" data-hx-post' in page
    assert 'aria-pressed="true" class="is-chosen">Maybe' in page
    rsvp_set(meeting=meeting, user=MembershipFactory(collaborative=collaborative).user, answer=Rsvp.Answer.COMING)
    rsvp_set(meeting=meeting, user=member, answer=Rsvp.Answer.COMING)
    assert "you are on the waiting list" in member_client.get(HOME).content.decode()


def test_someone_elses_answer_is_not_shown_as_the_members(member_client, collaborative):
    meeting = MeetingFactory(collaborative=collaborative)
    rsvp_set(meeting=meeting, user=MembershipFactory(collaborative=collaborative).user, answer=Rsvp.Answer.COMING)
    assert "Tap one to tell the facilitators." in member_client.get(HOME).content.decode()


def test_the_ground_rules_are_asked_for_again_when_they_change(member_client, collaborative, member, facilitator):
    asked = "Please read our ground rules"
    assert asked in member_client.get(HOME).content.decode()  # None saved yet: the default text.
    membership = Membership.objects.get(collaborative=collaborative, user=member)
    ground_rules_accept(membership=membership)
    assert asked not in member_client.get(HOME).content.decode()
    ground_rules_change(collaborative=collaborative, text="Listen first.", by=facilitator)
    assert asked in member_client.get(HOME).content.decode()


def test_my_actions_in_a_large_collaborative_are_mine_soonest_first(member_client, collaborative, member):
    others = [ActionFactory(collaborative=collaborative, due_on=TODAY + timedelta(days=i)) for i in range(30)]
    owned = ActionFactory(collaborative=collaborative, owner=member, title="Owned late", due_on=TODAY + timedelta(40))
    supported = ActionFactory(collaborative=collaborative, supporters=[member], title="Supported soon")
    page = member_client.get(HOME).content.decode()
    assert page.index("Supported soon") < page.index("Owned late")
    assert page.count('class="card my-action"') == 2
    assert others[0].title not in page
    # Its addresses, made once for the list, are the action's own.
    assert f'href="{owned.get_absolute_url()}"' in page
    assert f'href="{supported.get_absolute_url()}"' in page
    status = reverse("actions:status", kwargs={"slug": "lambeth", "pk": owned.pk})
    assert f'data-hx-post="{status}"' in page
