"""The goals' pages: adding, changing and reviewing goals, goals due for review flagged,
and bad dates answered with a plain message and nothing changed."""

import html
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from vision.models import Goal, GoalReview
from vision.services import goal_review, goal_save

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def url(name: str, **kwargs) -> str:
    return reverse(f"vision:{name}", kwargs={"slug": "lambeth", **kwargs})


def text(response) -> str:
    return html.unescape(response.content.decode())


def day(delta: int) -> str:
    return (TODAY + timedelta(days=delta)).isoformat()


@pytest.fixture
def goal(collaborative, facilitator) -> Goal:
    return goal_save(
        goal=Goal(
            collaborative=collaborative,
            title="Crisis help in every neighbourhood",
            success="People know where to go.",
            review_on=TODAY + timedelta(days=30),
        ),
        by=facilitator,
    )


def snapshot(goal: Goal) -> tuple:
    goal = Goal.objects.get(pk=goal.pk)
    return goal.title, goal.success, goal.review_on, goal.status, goal.reviews.count()


def test_a_facilitator_adds_a_goal_and_members_read_it(client, people):
    client.force_login(people["facilitator"])
    response = client.post(
        url("goal_new"), {"title": "Shorter waits", "success": "Nobody waits a month.", "review_on": day(60)}
    )
    goal = Goal.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == goal.get_absolute_url()
    assert (goal.created_by, goal.status, goal.review_on) == (
        people["facilitator"],
        Goal.Status.ACTIVE,
        TODAY + timedelta(days=60),
    )

    client.force_login(people["member"])
    listing = text(client.get(url("goals")))
    assert "Shorter waits" in listing
    assert "Add a goal" not in listing
    page = text(client.get(goal.get_absolute_url()))
    assert "Nobody waits a month." in page
    assert "This goal has not been reviewed yet." in page
    assert "Record a review" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"review_on": day(50 * 365)}, "Review date: Choose a day within 5 years of today."),
        ({"review_on": day(-50 * 365)}, "Review date: Choose a day within 5 years of today."),
        ({"review_on": "next Tuesday"}, "Review date: Enter a valid date."),
        ({"review_on": "99999-01-01"}, "Review date: Enter a valid date."),
        ({"review_on": ""}, "Review date: This field is required."),
        ({"title": ""}, "Title: This field is required."),
        ({"title": "x" * 201}, "Ensure this value has at most 200 characters"),
        ({"success": ""}, "What success looks like: This field is required."),
    ],
)
def test_a_goal_that_does_not_make_sense_is_explained_and_nothing_changes(facilitator_client, goal, data, message):
    before = snapshot(goal)
    good = {"title": "Shorter waits", "success": "Nobody waits a month.", "review_on": day(60)}
    for address in (url("goal_new"), url("goal_edit", pk=goal.pk)):
        response = facilitator_client.post(address, good | data)
        assert response.status_code == 400
        assert "There is a problem" in text(response)
        assert message in text(response)
    assert Goal.objects.count() == 1
    assert snapshot(goal) == before


def test_changing_a_goal(facilitator_client, goal):
    page = text(facilitator_client.get(url("goal_edit", pk=goal.pk)))
    assert 'value="Crisis help in every neighbourhood"' in page
    response = facilitator_client.post(
        url("goal_edit", pk=goal.pk), {"title": "Crisis help nearby", "success": "Everyone knows.", "review_on": day(9)}
    )
    assert response.status_code == 302
    assert snapshot(goal) == ("Crisis help nearby", "Everyone knows.", TODAY + timedelta(days=9), "active", 0)


def test_a_review_sets_the_next_one_and_shows_on_the_goal(client, people, goal):
    client.force_login(people["facilitator"])
    response = client.post(
        url("goal_review", pk=goal.pk),
        {"reviewed_on": day(0), "outcome": "some_progress", "note": "Two cafes signed up.", "next_review_on": day(90)},
        follow=True,
    )
    page = text(response)
    assert "The review has been recorded." in page
    assert "Some progress" in page
    assert "Two cafes signed up." in page
    assert snapshot(goal)[2:] == (TODAY + timedelta(days=90), "active", 1)
    client.force_login(people["member"])
    assert "Last review, " in text(client.get(url("goals")))


def test_the_review_form_offers_only_the_real_answers_with_none_ticked(facilitator_client, goal):
    page = text(facilitator_client.get(url("goal_review", pk=goal.pk)))
    radios = re.findall(r'<input type="radio" name="outcome"[^>]*>', page)
    assert [re.search(r'value="([^"]*)"', radio).group(1) for radio in radios] == GoalReview.Outcome.values
    assert not [radio for radio in radios if " checked" in radio]
    assert "---------" not in page


def test_a_review_by_someone_no_longer_here_says_a_former_member(facilitator_client, goal, facilitator):
    next_on = TODAY + timedelta(days=9)
    goal_review(goal=goal, by=facilitator, reviewed_on=TODAY, outcome=GoalReview.Outcome.STUCK, next_review_on=next_on)
    GoalReview.objects.update(recorded_by=None)  # As when the person who recorded it deletes their account.
    page = text(facilitator_client.get(goal.get_absolute_url()))
    assert f"Recorded by a former member. Next review: {next_on:%-d %B %Y}." in page


def test_achieving_a_goal_closes_it_without_a_next_review(facilitator_client, goal):
    facilitator_client.post(url("goal_review", pk=goal.pk), {"reviewed_on": day(0), "outcome": "achieved"})
    assert snapshot(goal)[3:] == ("achieved", 1)
    assert GoalReview.objects.get().next_review_on is None
    listing = text(facilitator_client.get(url("goals")))
    assert "Achieved and retired goals" in listing
    assert "Crisis help in every neighbourhood</a>: achieved on" in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"next_review_on": ""}, "Next review date: Choose when to look at this goal again."),
        ({"next_review_on": day(-1)}, "Next review date: The next review must be after this one."),
        ({"next_review_on": day(0)}, "Next review date: The next review must be after this one."),
        ({"next_review_on": day(50 * 365)}, "Next review date: Choose a day within 5 years of today."),
        ({"reviewed_on": day(50 * 365)}, "Date of the review: Choose a day within 5 years of today."),
        ({"reviewed_on": "yesterday"}, "Date of the review: Enter a valid date."),
        ({"outcome": "excellent"}, "Select a valid choice. excellent is not one of the available choices."),
        ({"outcome": ""}, "How is it going: Choose how the goal is going."),
        ({"note": "x" * 3001}, "Ensure this value has at most 3000 characters"),
    ],
)
def test_a_review_that_does_not_make_sense_is_explained_and_nothing_changes(facilitator_client, goal, data, message):
    before = snapshot(goal)
    good = {"reviewed_on": day(0), "outcome": "on_track", "note": "", "next_review_on": day(30)}
    response = facilitator_client.post(url("goal_review", pk=goal.pk), good | data)
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot(goal) == before
    assert not GoalReview.objects.exists()


def test_goals_due_for_review_are_flagged_on_the_list_the_goal_and_the_home_page(
    member_client, collaborative, facilitator
):
    due = goal_save(
        goal=Goal(collaborative=collaborative, title="Due goal", success="S.", review_on=TODAY - timedelta(days=3)),
        by=facilitator,
    )
    goal_save(
        goal=Goal(collaborative=collaborative, title="Later goal", success="S.", review_on=TODAY + timedelta(days=3)),
        by=facilitator,
    )
    closed = goal_save(
        goal=Goal(collaborative=collaborative, title="Old goal", success="S.", review_on=TODAY - timedelta(days=9)),
        by=facilitator,
    )
    goal_review(goal=closed, by=facilitator, reviewed_on=TODAY, outcome=GoalReview.Outcome.RETIRED)

    listing = text(member_client.get(url("goals")))
    assert listing.count("Due for review") == 1
    assert listing.index("Due for review") < listing.index("Later goal")
    assert "Due for review" in text(member_client.get(due.get_absolute_url()))
    home = text(member_client.get(reverse("home:collaborative_home", kwargs={"slug": "lambeth"})))
    assert "1 goal is due for review" in home


def test_another_collaboratives_goal_is_not_found(facilitator_client, other_collaborative, facilitator):
    theirs = goal_save(
        goal=Goal(collaborative=other_collaborative, title="Luton's", success="S.", review_on=date(2030, 1, 1)),
        by=facilitator,
    )
    for name in ("goal", "goal_edit", "goal_review"):
        assert facilitator_client.get(url(name, pk=theirs.pk)).status_code == 404
    response = facilitator_client.post(url("goal_edit", pk=theirs.pk), {"title": "Mine now"})
    assert response.status_code == 404
    assert Goal.objects.get(pk=theirs.pk).title == "Luton's"
