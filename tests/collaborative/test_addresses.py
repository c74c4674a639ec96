"""collaborative.views.addresses: many objects' addresses from one reverse(), exactly as get_absolute_url has them."""

import pytest

from collaborative.views import addresses
from tests.factories import ActionFactory, CollaborativeFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", ["lambeth", "lambeth-2026", "987654321-cafe"])
def test_each_address_is_the_objects_own(slug):
    collaborative = CollaborativeFactory(slug=slug)
    actions = ActionFactory.create_batch(3, collaborative=collaborative)
    meeting = MeetingFactory(collaborative=collaborative)

    action_address = addresses("actions:detail", slug=slug)
    assert [action_address(action.pk) for action in actions] == [action.get_absolute_url() for action in actions]
    assert addresses("meetings:detail", slug=slug)(meeting.pk) == meeting.get_absolute_url()
