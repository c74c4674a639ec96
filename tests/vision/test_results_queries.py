"""A closed round's results page and CSV use as many queries with 40 respondents and earlier
rounds as with 5 respondents and none (issue 6: the page must not grow with the round)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Membership, Perspective, Visibility
from tests.caching import nothing_cached
from tests.factories import CollaborativeFactory, MembershipFactory
from vision.models import Answer, Rating, Response, Round, RoundStatement
from vision.services import round_open

pytestmark = pytest.mark.django_db

RATINGS = [Rating.NOT_YET, Rating.STARTING, Rating.GETTING_THERE, Rating.STRONG, Rating.DONT_KNOW]
PERSPECTIVES = [Perspective.CARER, Perspective.LIVED_EXPERIENCE, Perspective.PRACTITIONER]


def shared(user) -> list[str]:
    """What answers_save keeps: the perspectives shared with members when answering."""
    return list(user.perspectives) if user.perspectives_visibility == Visibility.MEMBERS else []


def collaborative_with(slug: str, members: int) -> tuple[Membership, list[Membership]]:
    """(a facilitator, `members` members): most share a perspective with members, one in four with nobody."""
    collaborative = CollaborativeFactory(slug=slug)
    facilitator = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR)
    people = [
        MembershipFactory(
            collaborative=collaborative,
            user__perspectives=[PERSPECTIVES[n % len(PERSPECTIVES)]],
            user__perspectives_visibility=Visibility.NOBODY if n % 4 == 3 else Visibility.MEMBERS,
        )
        for n in range(members)
    ]
    return facilitator, people


def closed_round(facilitator: Membership, people: list[Membership], title: str, days_ago: int) -> Round:
    """A round opened through the services, closed `days_ago` days ago, answered by everyone in
    `people`: every statement rated, a comment on some, one statement left with a comment alone."""
    collaborative = facilitator.collaborative
    round = round_open(
        collaborative=collaborative,
        by=facilitator.user,
        title=title,
        closing_day=collaborative.local_today() + timedelta(days=7),
    )
    now = timezone.now()
    Round.objects.filter(pk=round.pk).update(
        opened_at=now - timedelta(days=days_ago + 14), closes_at=now - timedelta(days=days_ago, seconds=1)
    )
    statements = list(RoundStatement.objects.filter(round=round).order_by("position"))
    responses = Response.objects.bulk_create(
        Response(round=round, user=person.user, perspectives=shared(person.user), eligible=True) for person in people
    )
    Answer.objects.bulk_create(
        Answer(
            response=response,
            statement=statement,
            rating="" if s == 0 and n % 2 else RATINGS[(n + s) % len(RATINGS)],
            comment=f"Comment {n}-{s}" if (n + s) % 7 == 0 else "",
        )
        for n, response in enumerate(responses)
        for s, statement in enumerate(statements)
    )
    return Round.objects.get(pk=round.pk)


@pytest.fixture
def rounds() -> dict[str, tuple[Membership, Membership, Round]]:
    """(facilitator, member, the latest round) for a round of 5 and one of 40 with three earlier rounds."""
    small_facilitator, small_people = collaborative_with("small", 5)
    small = closed_round(small_facilitator, small_people, "Autumn", days_ago=0)
    large_facilitator, large_people = collaborative_with("large", 40)
    for n, days_ago in enumerate([540, 360, 180]):
        closed_round(large_facilitator, large_people[: 30 + 3 * n], f"Earlier {n}", days_ago=days_ago)
    large = closed_round(large_facilitator, large_people, "Autumn", days_ago=0)
    return {
        "small": (small_facilitator, small_people[0], small),
        "large": (large_facilitator, large_people[0], large),
    }


def count(client, url: str) -> tuple[int, str]:
    client.get(url)  # The session and the like, as on any second visit (the first also counts the rounds).
    with nothing_cached(), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.headers.get("Location"))
    return len(queries.captured_queries), response.content.decode()


@pytest.mark.parametrize("viewer", ["facilitator", "member"])
def test_the_results_page_uses_as_many_queries_for_40_respondents_as_for_5(client, rounds, viewer):
    found = {}
    for size, (facilitator, member, round) in rounds.items():
        client.force_login((facilitator if viewer == "facilitator" else member).user)
        found[size] = count(client, round.get_absolute_url())

    (small_queries, small_page), (large_queries, large_page) = found["small"], found["large"]
    # Both pages show results; the large one also the earlier rounds, perspectives and comments.
    assert "5 people answered" in small_page
    assert "40 people answered" in large_page
    assert "Earlier 0" in large_page
    assert "Earlier 0" not in small_page
    assert "people with the perspective “Carer”" in large_page
    assert "people with the perspective" not in small_page
    assert "comments on “" in large_page  # Linked: each statement's comments have a page of their own.
    assert "Comment 6-1" not in large_page
    assert large_queries == small_queries


def comments_url(round: Round, index: int) -> str:
    """The comments page of the round's statement at `index`, in the order closed_round answered them."""
    statement = list(RoundStatement.objects.filter(round=round).order_by("position"))[index]
    return reverse(
        "vision:round_comments", kwargs={"slug": round.collaborative.slug, "pk": round.pk, "statement_pk": statement.pk}
    )


def test_a_statements_comments_use_as_many_queries_for_40_respondents_as_for_5(client, rounds):
    found = {}
    for size, (_facilitator, member, round) in rounds.items():
        client.force_login(member.user)
        found[size] = count(client, comments_url(round, 1)), count(client, comments_url(round, 0))

    (small_queries, _), (small_first, _) = found["small"]
    (large_queries, large_page), (large_first, large_first_page) = found["large"]
    assert "Comment 6-1" in large_page
    assert "Comment 7-0" not in large_first_page  # A comment without a rating is not shown.
    assert (large_queries, large_first) == (small_queries, small_first)


def test_the_csv_uses_as_many_queries_for_40_respondents_as_for_5(client, rounds):
    found = {}
    for size, (_facilitator, member, round) in rounds.items():
        client.force_login(member.user)
        url = reverse("vision:round_csv", kwargs={"slug": round.collaborative.slug, "pk": round.pk})
        found[size] = count(client, url)

    (small_queries, small_csv), (large_queries, large_csv) = found["small"], found["large"]
    assert large_csv.count("\n") > small_csv.count("\n")  # The large round has perspective rows too.
    assert large_queries == small_queries
