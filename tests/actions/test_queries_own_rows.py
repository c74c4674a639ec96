"""The actions' pages that make rows of their own to count queries: an action's history, "My actions"
and a review use as many for 60 actions as for 10, and the log and the overview as many (and as much
HTML) for hundreds of members, organisations and actions as for a few. The other pages share their
rows (test_queries.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.services import action_change, action_update_add, review_round_open
from members.models import Membership, User
from tests.actions.test_queries import FEW, MANY, TODAY, grower, queries, url
from tests.factories import ActionFactory, GoalFactory, MeetingFactory, MembershipFactory, action_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def grow(collaborative):
    return grower(collaborative)


def same(client, address: str, add, **headers) -> None:
    add(FEW)
    client.get(address, headers=headers)  # Warm up the session and caches.
    few = queries(client, address, **headers)
    add(MANY - FEW)
    many = queries(client, address, **headers)
    assert few == many, f"{address}: {few} queries with {FEW} actions, {many} with {MANY}"


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
