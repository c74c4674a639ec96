"""The vision's busiest pages use as many queries for 50 rows as for 2."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Visibility
from tests.caching import nothing_cached
from tests.factories import MeetingFactory, MembershipFactory
from vision.models import Answer, GoalReview, Rating, Response, Round
from vision.services import (
    contribution_add,
    framework_start,
    goal_review,
    goal_save,
    round_open,
    rounds_count_closed,
    version_adopt,
    version_draft,
)

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 50


def url(name: str, **kwargs) -> str:
    return reverse(f"vision:{name}", kwargs={"slug": "lambeth", **kwargs})


def queries(client, address: str) -> int:
    """The queries of one page, made afresh (nothing of it cached)."""
    with nothing_cached(), CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200, address
    return len(captured)


def grow(client, address: str, add) -> None:
    """Count the queries with FEW rows and with MANY; `add(n)` adds n more rows."""
    add(FEW)
    client.get(address)  # Warm up the session and caches.
    few = queries(client, address)
    add(MANY - FEW)
    many = queries(client, address)
    assert few == many, f"{address}: {few} queries with {FEW} rows, {many} with {MANY}"


def test_the_vision_home_page(member_client, collaborative, facilitator):
    def add(n: int) -> None:
        for _ in range(n):
            version = version_draft(
                collaborative=collaborative, by=facilitator, statement="Help.", values=[("Hope", "Change.")]
            )
            contribution_add(version=version, author=MembershipFactory(collaborative=collaborative).user, text="Yes.")
            meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=1))
            version_adopt(version=version, by=facilitator, meeting=meeting)
        version_draft(collaborative=collaborative, by=facilitator, statement="Next.", values=[])

    grow(member_client, url("home"), add)


def test_a_version_with_its_ideas(member_client, collaborative, facilitator):
    version = version_draft(collaborative=collaborative, by=facilitator, statement="Help.", values=[("Hope", "Now.")])

    def add(n: int) -> None:
        for i in range(n):
            author = MembershipFactory(
                collaborative=collaborative,
                user__perspectives=["carer"] if i % 2 else ["practitioner"],
                user__perspectives_visibility=Visibility.MEMBERS if i % 3 else Visibility.FACILITATORS,
            ).user
            contribution_add(version=version, author=author, text=f"Idea {i}.")

    grow(member_client, version.get_absolute_url(), add)


def test_the_goal_list(member_client, collaborative, facilitator):
    today = timezone.localdate()

    def add(n: int) -> None:
        for i in range(n):
            goal = goal_save(
                goal=collaborative.goals.model(
                    collaborative=collaborative,
                    title=f"Goal {i}",
                    success="S.",
                    review_on=today + timedelta(days=i - 5),
                ),
                by=facilitator,
            )
            outcome = GoalReview.Outcome.ACHIEVED if i % 4 == 0 else GoalReview.Outcome.ON_TRACK
            goal_review(
                goal=goal, by=facilitator, reviewed_on=today, outcome=outcome, next_review_on=today + timedelta(days=9)
            )

    grow(member_client, url("goals"), add)


def test_the_round_list(member_client, member, collaborative, facilitator):
    framework_start(collaborative=collaborative)
    current = round_open(
        collaborative=collaborative, by=facilitator, title="Now", closing_day=timezone.localdate() + timedelta(days=7)
    )
    Response.objects.create(round=current, user=member)
    now = timezone.now()

    def add(n: int) -> None:
        for i in range(n):
            opened = now - timedelta(days=100 + i * 30)
            # Counted, as beat does within a minute of a round closing.
            Round.objects.create(
                collaborative=collaborative,
                title=f"Round {i}",
                opened_at=opened,
                closes_at=opened + timedelta(days=14),
                counted_at=opened + timedelta(days=14),
                results={"respondents": 6, "shown": True},
            )

    grow(member_client, url("rounds"), add)


def test_the_results_page(member_client, collaborative, facilitator):
    """More people answering every statement, and more rounds before it for the trend."""
    framework_start(collaborative=collaborative)
    now = timezone.now()
    rounds = []
    for i in range(8):
        round = round_open(
            collaborative=collaborative,
            by=facilitator,
            title=f"Round {i}",
            closing_day=timezone.localdate() + timedelta(days=7),
        )
        opened = now - timedelta(days=400 - i * 40)
        Round.objects.filter(pk=round.pk).update(opened_at=opened, closes_at=opened + timedelta(days=14))
        rounds.append(round)
    latest = rounds[-1]
    ratings = list(Rating.values)

    def answer(round: Round, count: int) -> None:
        statements = list(round.statements.all())
        for i in range(count):
            user = MembershipFactory(
                collaborative=collaborative,
                user__perspectives=["carer"] if i % 2 else ["lived_experience"],
                user__perspectives_visibility=Visibility.MEMBERS,
            ).user
            response = Response.objects.create(round=round, user=user, eligible=True)
            Answer.objects.bulk_create(
                Answer(response=response, statement=s, rating=ratings[(i + j) % 5], comment=f"Comment {i} {j}")
                for j, s in enumerate(statements)
            )

    # Few: five people in this round and one earlier round. Many: fifty, and every earlier round.
    # Each time the rounds are counted as beat counts them, within a minute of closing.
    answer(latest, 5)
    answer(rounds[-2], 5)
    rounds_count_closed()
    address = latest.get_absolute_url()
    member_client.get(address)
    few = queries(member_client, address)
    assert "5 people answered." in member_client.get(address).content.decode()
    Round.objects.filter(collaborative=collaborative).update(counted_at=None, results={})
    answer(latest, MANY)
    for round in rounds[:-1]:
        answer(round, 6)
    rounds_count_closed()
    many = queries(member_client, address)
    assert f"{MANY} people answered." in member_client.get(address).content.decode()
    assert few == many, f"{few} queries with 5 people, {many} with {MANY}"
