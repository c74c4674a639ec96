"""The actions' pages use as many queries for 60 actions as for 10: the log (filtered and not,
and its htmx table), the exports, an action's history, "My actions", a meeting's matters
arising, a review and the overview."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.services import action_change, action_update_add, review_round_open
from members.models import Membership, User
from tests.factories import ActionFactory, GoalFactory, MeetingFactory, MembershipFactory, action_record
from vision.models import KeyRole

pytestmark = pytest.mark.django_db

FEW, MANY = 10, 60
TODAY = timezone.localdate()


def url(name: str, **kwargs) -> str:
    return reverse(f"actions:{name}", kwargs={"slug": "lambeth", **kwargs})


def queries(client, address: str, **headers) -> int:
    """The queries of one request for a page made afresh: with an empty cache, as if no part of it were kept
    ready-made (collaborative.freshness), since what is measured is what making it costs."""
    caches = {name: dict(config) for name, config in django_settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    with override_settings(CACHES=caches), CaptureQueriesContext(connection) as captured:
        response = client.get(address, headers=headers)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, address
    return len(captured)


@pytest.fixture
def grow(collaborative):
    """add(n): n more actions, each with its own owner, supporters, an update and history, and
    (every few) its own meeting, goal and key role: everything the pages show grows with them."""
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

    return add


def same(client, address: str, add, **headers) -> None:
    add(FEW)
    client.get(address, headers=headers)  # Warm up the session and caches.
    few = queries(client, address, **headers)
    add(MANY - FEW)
    many = queries(client, address, **headers)
    assert few == many, f"{address}: {few} queries with {FEW} actions, {many} with {MANY}"


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


@pytest.mark.parametrize("query", FILTERS)
def test_the_log(member_client, grow, query):
    query = query.format(start=(TODAY - timedelta(days=40)).isoformat(), end=(TODAY + timedelta(days=40)).isoformat())
    same(member_client, f"{url('log')}?{query}", grow)


def test_the_log_filtered_by_owner_goal_key_role_and_meeting(member_client, collaborative, grow):
    grow(FEW)
    action = Action.objects.exclude(meeting=None).first()
    query = f"owner={action.owner_id}&goal={action.goal_id}&key_role={action.key_role_id}&meeting={action.meeting_id}"
    address = f"{url('log')}?{query}"
    member_client.get(address)
    few = queries(member_client, address)
    grow(MANY - FEW)
    assert queries(member_client, address) == few


def test_the_log_table_for_htmx(member_client, grow):
    same(member_client, f"{url('log')}?status=in_progress", grow, **{"HX-Request": "true"})


@pytest.mark.parametrize("export", ["export_csv", "export_xlsx"])
def test_the_exports(member_client, grow, export):
    same(member_client, url(export), grow)


def test_an_actions_history(member_client, collaborative):
    action = action_record(collaborative, by=MembershipFactory(collaborative=collaborative).user, title="Long story")
    people = [MembershipFactory(collaborative=collaborative).user for _ in range(4)]
    meetings = [MeetingFactory(collaborative=collaborative) for _ in range(3)]
    goals = [GoalFactory(collaborative=collaborative) for _ in range(3)]
    count = [0]

    def add(n: int) -> None:
        for _ in range(n // 2):
            i = count[0] = count[0] + 1
            action_change(
                action=action,
                by=people[i % 4],
                changes={"title": f"Long story {i}", "owner": people[(i + 1) % 4], "meeting": meetings[i % 3]},
                supporters=[people[(i + 2) % 4]],
            )
            action_change(action=action, by=people[i % 4], changes={"goal": goals[i % 3]})
            action_update_add(action=action, by=people[i % 4], text=f"Update {i}.")

    same(member_client, action.get_absolute_url(), add)


def test_my_actions_on_the_home_page(member_client, collaborative, member):
    """The list stops at ten, so one action against sixty: each one shown costs nothing more."""
    home = reverse("home:collaborative_home", kwargs={"slug": "lambeth"})
    ActionFactory(collaborative=collaborative, owner=member)
    member_client.get(home)
    one = queries(member_client, home)
    for i in range(MANY):
        ActionFactory(collaborative=collaborative, owner=member, due_on=TODAY + timedelta(days=i - 5))
        ActionFactory(collaborative=collaborative, supporters=[member])
    assert queries(member_client, home) == one


def test_a_meetings_actions_and_matters_arising(member_client, collaborative, grow):
    meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() + timedelta(days=1))

    def add(n: int) -> None:
        grow(n)
        for _ in range(n):
            ActionFactory(collaborative=collaborative, meeting=meeting, due_on=TODAY - timedelta(days=1))

    same(member_client, meeting.get_absolute_url(), add)


def test_a_review_and_the_list_of_reviews(client, collaborative, grow):
    commissioner = MembershipFactory(collaborative=collaborative, role=Membership.Role.COMMISSIONER).user
    client.force_login(commissioner)
    grow(FEW)
    review = review_round_open(collaborative=collaborative, by=commissioner, title="Few")
    client.get(review.get_absolute_url())
    few = queries(client, review.get_absolute_url()), queries(client, url("reviews"))
    review.items.update(reviewed_at=timezone.now(), reviewed_by=commissioner)
    review.signed_off_at = timezone.now()
    review.save()
    grow(MANY - FEW)
    bigger = review_round_open(collaborative=collaborative, by=commissioner, title="Many")
    assert bigger.items.count() >= MANY
    assert (queries(client, bigger.get_absolute_url()), queries(client, url("reviews"))) == few


def test_the_overview(client, people, grow):
    client.force_login(people["commissioner"])
    same(client, url("dashboard"), grow)


def test_the_log_does_not_grow_with_members_or_organisations(member_client, collaborative):
    """The owner and organisation filters are typed, with ten suggestions at most (issue 14): the log's
    HTML and its queries are the same at 20 members as at 500, and at 20 organisations as at 200."""
    owner = MembershipFactory(collaborative=collaborative).user
    actions = Action.objects.bulk_create(
        Action(collaborative=collaborative, title=f"Action {n:03}", owner=owner, due_on=TODAY + timedelta(days=n))
        for n in range(200)
    )

    def grow(members: int, organisations: int) -> None:
        have = Membership.objects.filter(collaborative=collaborative).count()
        people = User.objects.bulk_create(
            User(email=f"grown{n}@example.org", display_name=f"Member {n:04}") for n in range(have, members)
        )
        Membership.objects.bulk_create(Membership(collaborative=collaborative, user=person) for person in people)
        for n, action in enumerate(actions):
            action.organisation = f"Organisation {n % organisations:03}"
        Action.objects.bulk_update(actions, ["organisation"])

    typed = "owner_name=mem&organisation_name=org"
    addresses = [
        url("log"),
        f"{url('log')}?{typed}",
        f"{url('log')}?{typed}&owner={owner.pk}&organisation=Organisation+001",
        f"{url('owners')}?{typed}",
        f"{url('organisations')}?{typed}",
    ]

    def measure() -> list[tuple[int, int]]:
        return [(queries(member_client, address), len(member_client.get(address).content)) for address in addresses]

    grow(20, 20)
    member_client.get(url("log"))  # Warm up the session and caches.
    small = measure()
    grow(500, 200)
    assert Membership.objects.filter(collaborative=collaborative).count() >= 500
    assert Action.objects.values("organisation").distinct().count() == 200
    large = measure()
    for address, (few_queries, few_bytes), (many_queries, many_bytes) in zip(addresses, small, large, strict=True):
        assert many_queries == few_queries, f"{address}: {few_queries} queries, then {many_queries}"
        # Only the digits of the suggested people's ids may differ (ten links at most).
        assert abs(many_bytes - few_bytes) <= 40, f"{address}: {few_bytes} bytes, then {many_bytes}"


def test_the_overview_does_not_grow_with_actions_or_organisations(client, people, collaborative):
    """The overview's queries are the same at 40 actions as at 400, and its HTML the same size at 20 lead
    organisations as at 200 (the fifteen with most actions are shown, and how many there are in all)."""
    client.force_login(people["commissioner"])
    goal = GoalFactory(collaborative=collaborative)
    statuses = [Action.Status.OPEN, Action.Status.IN_PROGRESS, Action.Status.DONE]

    def grow(actions: int, organisations: int) -> None:
        have = Action.objects.filter(collaborative=collaborative).count()
        Action.objects.bulk_create(
            Action(
                collaborative=collaborative,
                title=f"Action {n:04}",
                # Some more actions for the first organisations, so that which fifteen are shown is plain.
                organisation=f"Organisation {min(n % (organisations + 10), organisations - 1):03}",
                status=statuses[n % 3],
                due_on=TODAY + timedelta(days=n % 40 - 20),
                done_at=timezone.now() if statuses[n % 3] == Action.Status.DONE else None,
                goal=goal if n % 2 else None,
            )
            for n in range(have, actions)
        )

    grow(40, 20)
    client.get(url("dashboard"))  # Warm up the session and caches.
    small = queries(client, url("dashboard")), len(client.get(url("dashboard")).content)
    grow(400, 200)
    assert Action.objects.values("organisation").distinct().count() == 200
    response = client.get(url("dashboard"))
    large = queries(client, url("dashboard")), len(response.content)
    assert large[0] == small[0], f"{small[0]} queries with 40 actions, {large[0]} with 400"
    assert abs(large[1] - small[1]) <= 200, f"{small[1]} bytes with 20 organisations, {large[1]} with 200"
    assert len(response.context["organisations"]) == 15
    assert response.context["organisations_count"] == 200
