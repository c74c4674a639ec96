"""Goals: saving, reviews that close a goal or set when to look again, and goals due for review."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.factories import GoalFactory
from vision.models import Goal, GoalReview
from vision.services import goal_review, goal_save

pytestmark = pytest.mark.django_db

REVIEWED = date(2030, 3, 12)


def test_a_new_goal_records_who_added_it(collaborative, facilitator):
    goal = Goal(
        collaborative=collaborative, title="Help in every neighbourhood", success="Shorter waits.", review_on=REVIEWED
    )

    goal_save(goal=goal, by=facilitator)

    goal = Goal.objects.get()
    assert (goal.title, goal.status, goal.created_by) == (
        "Help in every neighbourhood",
        Goal.Status.ACTIVE,
        facilitator,
    )


def test_changing_a_goal_keeps_who_added_it(collaborative, facilitator, member):
    goal = goal_save(goal=Goal(collaborative=collaborative, title="Old", success="S.", review_on=REVIEWED), by=member)

    goal.title = "New"
    goal_save(goal=goal, by=facilitator)

    goal = Goal.objects.get()
    assert (goal.title, goal.created_by) == ("New", member)


def test_a_goal_needs_a_title_and_what_success_looks_like(collaborative, facilitator):
    with pytest.raises(ValidationError) as refused:
        goal_save(goal=Goal(collaborative=collaborative, title="", success="", review_on=REVIEWED), by=facilitator)

    assert {"title", "success"} <= set(refused.value.message_dict)
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    "outcome", [GoalReview.Outcome.ON_TRACK, GoalReview.Outcome.SOME_PROGRESS, GoalReview.Outcome.STUCK]
)
def test_a_review_that_keeps_a_goal_going_moves_its_review_date(collaborative, facilitator, outcome):
    goal = GoalFactory(collaborative=collaborative, review_on=REVIEWED)
    next_time = REVIEWED + timedelta(days=90)

    review = goal_review(
        goal=goal,
        by=facilitator,
        reviewed_on=REVIEWED,
        outcome=outcome,
        note="Waits are down.",
        next_review_on=next_time,
    )

    goal.refresh_from_db()
    assert (goal.status, goal.review_on) == (Goal.Status.ACTIVE, next_time)
    assert (review.outcome, review.note, review.next_review_on, review.recorded_by) == (
        outcome,
        "Waits are down.",
        next_time,
        facilitator,
    )
    assert list(goal.reviews.all()) == [review]


@pytest.mark.parametrize(
    ("outcome", "status"),
    [(GoalReview.Outcome.ACHIEVED, Goal.Status.ACHIEVED), (GoalReview.Outcome.RETIRED, Goal.Status.RETIRED)],
)
def test_achieved_or_no_longer_a_goal_closes_it_without_a_next_review(collaborative, facilitator, outcome, status):
    goal = GoalFactory(collaborative=collaborative, review_on=REVIEWED)

    review = goal_review(
        goal=goal, by=facilitator, reviewed_on=REVIEWED, outcome=outcome, next_review_on=REVIEWED + timedelta(days=30)
    )

    goal.refresh_from_db()
    assert goal.status == status
    assert goal.review_on == REVIEWED
    assert review.next_review_on is None
    assert not goal.is_due(REVIEWED)


def test_a_goal_kept_going_needs_a_next_review_date(collaborative, facilitator):
    goal = GoalFactory(collaborative=collaborative, review_on=REVIEWED)

    with pytest.raises(ValidationError) as refused:
        goal_review(goal=goal, by=facilitator, reviewed_on=REVIEWED, outcome=GoalReview.Outcome.STUCK)

    assert refused.value.message_dict == {"next_review_on": ["Choose when to look at this goal again."]}
    assert not GoalReview.objects.exists()


@pytest.mark.parametrize("days", [0, -1])
def test_the_next_review_must_be_after_this_one(collaborative, facilitator, days):
    goal = GoalFactory(collaborative=collaborative, review_on=REVIEWED)

    with pytest.raises(ValidationError) as refused:
        goal_review(
            goal=goal,
            by=facilitator,
            reviewed_on=REVIEWED,
            outcome=GoalReview.Outcome.ON_TRACK,
            next_review_on=REVIEWED + timedelta(days=days),
        )

    assert refused.value.message_dict == {"next_review_on": ["The next review must be after this one."]}
    goal.refresh_from_db()
    assert goal.review_on == REVIEWED
    assert not GoalReview.objects.exists()


def test_an_unknown_outcome_is_refused(collaborative, facilitator):
    goal = GoalFactory(collaborative=collaborative, review_on=REVIEWED)

    with pytest.raises(ValidationError):
        goal_review(
            goal=goal,
            by=facilitator,
            reviewed_on=REVIEWED,
            outcome="great",
            next_review_on=REVIEWED + timedelta(days=1),
        )

    assert not GoalReview.objects.exists()


def test_goals_due_for_review_are_the_active_ones_on_or_past_their_review_date(collaborative):
    today = REVIEWED
    overdue = GoalFactory(collaborative=collaborative, review_on=today - timedelta(days=3))
    due_today = GoalFactory(collaborative=collaborative, review_on=today)
    later = GoalFactory(collaborative=collaborative, review_on=today + timedelta(days=1))
    achieved = GoalFactory(
        collaborative=collaborative, review_on=today - timedelta(days=3), status=Goal.Status.ACHIEVED
    )
    retired = GoalFactory(collaborative=collaborative, review_on=today - timedelta(days=3), status=Goal.Status.RETIRED)

    assert list(Goal.objects.due_for_review(today)) == [overdue, due_today]
    assert overdue.is_due(today)
    assert due_today.is_due(today)
    assert not any(goal.is_due(today) for goal in (later, achieved, retired))
    assert later.is_due(today + timedelta(days=1))
