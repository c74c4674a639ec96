"""Pages with parts kept ready-made (collaborative.freshness) show each viewer exactly what that viewer would
see with nothing cached, whoever asked before them, and show every change at once, however it was made.

Each page in PAGES is asked for by four people (two members, a facilitator, a commissioner) with an
empty cache, then again with the cache warmed by all of them: the HTML must be the same (but for the
CSRF token). Then the data is changed by a bulk update (no signal, no save()), and the page must show it.
A hit must also read less than a miss, or the page would not be cached at all and these tests would prove
nothing."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.services import action_change
from meetings.models import AgendaItem, Decision
from members.models import Membership, User
from tests.factories import CollaborativeFactory, GoalFactory, MeetingFactory, MembershipFactory, action_record

pytestmark = pytest.mark.django_db

VIEWERS = ("member", "other_member", "facilitator", "commissioner")
TOKENS = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')


@dataclass
class Page:
    address: Callable[[dict], str]
    change: Callable[[dict], str]  # Changes the data by a bulk write; returns the text the page must now show.
    viewers: tuple[str, ...] = VIEWERS
    # Adds to the world what this page needs beyond world_of()'s rows (meetings, a round…), if anything.
    build: Callable[[dict], None] | None = None


def _log(world) -> str:
    return reverse("actions:log", kwargs={"slug": world["collaborative"].slug})


def _retitle_actions(world) -> str:
    Action.objects.filter(collaborative=world["collaborative"]).update(title="Retitled by a bulk update")
    return "Retitled by a bulk update"


def _rename_people(world) -> str:
    User.objects.filter(pk=world["member"].pk).update(display_name="Renamed Bulkwise")
    return "Renamed Bulkwise"


PAGES = {
    "action log": Page(_log, _retitle_actions),
    "action log, owner renamed": Page(_log, _rename_people),
    "action log, filtered": Page(lambda world: _log(world) + "?status=open&sort=title&overdue=on", _retitle_actions),
}


# An action's page and the actions overview (actions:detail, actions:dashboard).


def _build_action(world) -> None:
    """An action with everything its page shows: an owner (the member), a supporter (the other member), a goal,
    the meeting and the draft decision it came from, and in its history an agenda item that only the member who
    proposed it and the facilitator may see."""
    collaborative = world["collaborative"]
    meeting = MeetingFactory(collaborative=collaborative)
    proposed = AgendaItem.objects.create(meeting=meeting, title="Sunday opening", proposed_by=world["member"])
    action = action_record(
        collaborative,
        by=world["facilitator"],
        owner=world["member"],
        supporters=[world["other_member"]],
        title="Ask the council about Sundays",
        description="Who would pay for the staff.",
        organisation="Lambeth Council",
        goal=GoalFactory(collaborative=collaborative),
        meeting=meeting,
        decision=Decision.objects.create(meeting=meeting, text="Open the cafe on Sundays from March."),
    )
    action_change(action=action, by=world["facilitator"], changes={"agenda_item": proposed})
    world["action"] = action


def _action(world) -> str:
    return reverse("actions:detail", kwargs={"slug": world["collaborative"].slug, "pk": world["action"].pk})


def _overview(world) -> str:
    return reverse("actions:dashboard", kwargs={"slug": world["collaborative"].slug})


def _rename_organisations(world) -> str:
    Action.objects.filter(collaborative=world["collaborative"]).update(organisation="Bulkwise Trust")
    return "Bulkwise Trust"


PAGES |= {
    "action page": Page(_action, _retitle_actions, build=_build_action),
    "action page, owner renamed": Page(_action, _rename_people, build=_build_action),
    "actions overview": Page(_overview, _rename_organisations, viewers=("facilitator", "commissioner")),
}

# End of an action's page and the actions overview.


def world_of() -> dict:
    collaborative = CollaborativeFactory(slug="fresh", name="Fresh Living Well")
    role = Membership.Role
    world = {"collaborative": collaborative, "clients": {}}
    for name, kind in (
        ("member", role.MEMBER),
        ("other_member", role.MEMBER),
        ("facilitator", role.FACILITATOR),
        ("commissioner", role.COMMISSIONER),
    ):
        world[name] = MembershipFactory(collaborative=collaborative, role=kind).user
    for number in range(3):
        action_record(
            collaborative,
            by=world["member"],
            title=f"Open the crisis cafe on Sundays {number}",
            due_on=timezone.localdate() + timedelta(days=10 * number - 5),
        )
    return world


@pytest.fixture
def world(db) -> dict:
    return world_of()


def _new_cache(settings) -> None:
    caches = {name: dict(config) for name, config in django_settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


def _get(world, viewer: str, address: str) -> tuple[str, int]:
    client = world["clients"].get(viewer)
    if client is None:  # Signed in once: signing in writes (the time of it), which changes the data's version.
        client = world["clients"][viewer] = Client()
        client.force_login(world[viewer])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200, (viewer, address, response.status_code)
    return TOKENS.sub(r"\1…\"", response.content.decode()), len(queries)


@pytest.mark.parametrize("name", PAGES)
def test_each_viewer_sees_what_they_would_see_with_nothing_cached(name, world, settings):
    page = PAGES[name]
    if page.build:
        page.build(world)
    address = page.address(world)
    afresh = {}
    for viewer in page.viewers:
        _get(world, viewer, address)
        _new_cache(settings)
        afresh[viewer] = _get(world, viewer, address)
    _new_cache(settings)
    for _round in range(2):
        for viewer in page.viewers:
            html, queries = _get(world, viewer, address)
            assert html == afresh[viewer][0], f"{viewer} was shown another viewer's page"
    assert queries < afresh[page.viewers[-1]][1], "a cached page read as much as one made afresh"


@pytest.mark.parametrize("name", PAGES)
def test_a_change_made_any_way_shows_at_once(name, world, settings):
    page = PAGES[name]
    if page.build:
        page.build(world)
    address = page.address(world)
    viewer = page.viewers[0]
    before, _ = _get(world, viewer, address)
    assert _get(world, viewer, address)[0] == before
    shown = page.change(world)
    after, _ = _get(world, viewer, address)
    assert shown in after
    assert shown not in before
    _new_cache(settings)
    assert after == _get(world, viewer, address)[0]
