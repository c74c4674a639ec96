"""The actions' pages use as many queries for 60 actions as for 10: the log (filtered and not,
and its htmx table), the exports, a meeting's matters arising and the overview.

These pages are counted once with 10 actions and again with 60 of the same rows, made once for
the whole module (rows_shared_by_module): the count at 10 is taken as the rows are made, and each
test counts its page again at 60. The pages that need rows of their own (an action's history,
"My actions", a review) are in test_queries_own_rows.py."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.services import action_change, action_update_add
from tests.caching import nothing_cached
from tests.conftest import make_lambeth, make_luton, make_people, rows_shared_by_module
from tests.factories import ActionFactory, GoalFactory, MeetingFactory, MembershipFactory, action_record
from vision.models import KeyRole

pytestmark = pytest.mark.django_db

FEW, MANY = 10, 60
TODAY = timezone.localdate()


def url(name: str, **kwargs) -> str:
    return reverse(f"actions:{name}", kwargs={"slug": "lambeth", **kwargs})


def queries(client, address: str, **headers) -> int:
    # What the page reads when it is made; a cached page reads less.
    with nothing_cached(), CaptureQueriesContext(connection) as captured:
        response = client.get(address, headers=headers)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, address
    return len(captured)


def grower(collaborative):
    """add(n): n more actions, each with its own owner, supporters, an update and history, and
    (every few) its own meeting, goal and key role: everything the pages show grows with them.
    `add.made` is the list of actions made so far."""
    made = []

    def add(n: int) -> None:
        for _ in range(n):
            i = len(made)
            owner = MembershipFactory(collaborative=collaborative).user
            supporters = [MembershipFactory(collaborative=collaborative).user for _ in range(2)]
            fields = {}
            if i % 5 == 0:
                fields["meeting"] = MeetingFactory(
                    collaborative=collaborative, starts_at=timezone.now() - timedelta(days=40 + i)
                )
                fields["goal"] = GoalFactory(collaborative=collaborative)
                fields["key_role"] = KeyRole.objects.create(collaborative=collaborative, number=i + 1, title=f"R{i}")
            action = action_record(
                collaborative,
                by=owner,
                supporters=supporters,
                title=f"Action {i} about crisis cafes",
                organisation=f"Organisation {i % 7}",
                due_on=TODAY + timedelta(days=i - 30),
                **fields,
            )
            action_change(action=action, by=owner, changes={"status": "in_progress", "description": f"Step {i}."})
            action_update_add(action=action, by=supporters[0], text=f"Update {i}.", link="https://example.org/")
            made.append(action)

    add.made = made
    return add


FILTERS = [
    "",
    "status=in_progress&status=open",
    "overdue=on",
    "q=crisis&sort=title",
    "organisation=Organisation+1&sort=-due",
    "due_from={start}&due_to={end}&sort=updated",
    "status=in_progress&overdue=on&q=cafes&sort=status&page=1",
    "owner=abc&goal=zzz",
    "owner_name=a&organisation_name=organ&meeting=1",
]
HTMX = {"HX-Request": "true"}


def log_address(query: str) -> str:
    query = query.format(start=(TODAY - timedelta(days=40)).isoformat(), end=(TODAY + timedelta(days=40)).isoformat())
    return f"{url('log')}?{query}"


@pytest.fixture(scope="module")
def counted(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """Lambeth and its people, a coming meeting, and 10 actions (with their meetings, goals and key
    roles, and 10 more actions of the coming meeting, due yesterday); each page below is counted
    (after a first visit, which warms up the session), then the rows grow to 60 and 60."""

    def make() -> dict:
        # Nothing these visits cache reaches another test: a cache namespace of their own.
        with nothing_cached():
            return make_and_count()

    def make_and_count() -> dict:
        collaborative = make_lambeth()
        people = make_people(collaborative, make_luton())
        meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() + timedelta(days=1))
        grow = grower(collaborative)

        def add(n: int) -> None:
            grow(n)
            for _ in range(n):
                ActionFactory(collaborative=collaborative, meeting=meeting, due_on=TODAY - timedelta(days=1))

        add(FEW)
        first = grow.made[0]  # Its own meeting, goal and key role.
        by_owner = f"owner={first.owner_id}&goal={first.goal_id}"
        by_owner += f"&key_role={first.key_role_id}&meeting={first.meeting_id}"
        pages = {f"log?{query}": ("member", log_address(query), {}) for query in FILTERS}
        pages |= {
            "log by owner, goal, key role and meeting": ("member", f"{url('log')}?{by_owner}", {}),
            "log's table for htmx": ("member", f"{url('log')}?status=in_progress", HTMX),
            "export_csv": ("member", url("export_csv"), {}),
            "export_xlsx": ("member", url("export_xlsx"), {}),
            "meeting": ("member", meeting.get_absolute_url(), {}),
            "overview": ("commissioner", url("dashboard"), {}),
        }
        few = {}
        for name, (person, address, headers) in pages.items():
            client = Client()
            client.force_login(people[person])
            client.get(address, headers=headers)
            few[name] = queries(client, address, **headers)
        add(MANY - FEW)
        return {"people": people, "pages": pages, "few": few}

    with rows_shared_by_module(django_db_blocker, make) as rows:
        yield rows


def same(client, counted: dict, name: str) -> None:
    """The page counted at 10 actions reads as much at 60."""
    person, address, headers = counted["pages"][name]
    client.force_login(counted["people"][person])
    client.get(address, headers=headers)  # Warm up the session.
    few, many = counted["few"][name], queries(client, address, **headers)
    assert few == many, f"{address}: {few} queries with {FEW} actions, {many} with {MANY}"


@pytest.mark.parametrize("query", FILTERS)
def test_the_log(client, counted, query):
    same(client, counted, f"log?{query}")


def test_the_log_filtered_by_owner_goal_key_role_and_meeting(client, counted):
    same(client, counted, "log by owner, goal, key role and meeting")


def test_the_log_table_for_htmx(client, counted):
    same(client, counted, "log's table for htmx")


@pytest.mark.parametrize("export", ["export_csv", "export_xlsx"])
def test_the_exports(client, counted, export):
    same(client, counted, export)


def test_a_meetings_actions_and_matters_arising(client, counted):
    same(client, counted, "meeting")


def test_the_overview(client, counted):
    same(client, counted, "overview")
