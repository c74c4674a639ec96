"""Goal review emails and self-assessment notices through the outbox, checked with a moving clock."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from members.models import Membership
from notifications.delivery import message_render, messages_claim, messages_send
from notifications.models import Message
from tests.factories import MembershipFactory
from tests.vision.rounds import close_early
from vision.emails import GOAL_REVIEW_DUE, ROUND_CLOSING, ROUND_OPENED, VISION_ADOPTED, VISION_DRAFT
from vision.models import Goal, GoalReview, Rating, Round
from vision.services import (
    answers_save,
    goal_review,
    goal_reviews_queue,
    goal_save,
    reminders_queue,
    round_closing_moment,
    round_open,
    round_reminder_due,
    round_reminders_queue,
    version_adopt,
    version_draft,
    version_update,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
REVIEW_ON = date(2030, 6, 10)  # A Monday, in British Summer Time.


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def queued(kind, **filters):
    return Message.objects.filter(kind=kind.key, **filters)


def recipients(kind, **filters) -> set[int]:
    return set(queued(kind, **filters).values_list("recipient", flat=True))


def rendered(kind, user) -> tuple[EmailMultiAlternatives, str]:
    """The email the notification engine writes for this person, and its HTML."""
    email = message_render(queued(kind, recipient=user).get())
    (html, mimetype) = email.alternatives[0]
    assert mimetype == "text/html"
    return email, html


def path_of(url: str) -> str:
    assert url.startswith(settings.SITE_URL.rstrip("/") + "/"), url
    return url.removeprefix(settings.SITE_URL.rstrip("/"))


def deliver() -> int:
    claim, ids = messages_claim(now=at(2099, 1, 1))
    return messages_send(claim=claim, ids=ids)


def day_name(day: date) -> str:
    """As the emails write it: Friday 11 December."""
    return f"{day:%A} {day.day} {day:%B}"


# Goals due for review: one email per facilitator on the review date.


@pytest.fixture
def goal(collaborative, facilitator):
    return goal_save(
        goal=Goal(
            collaborative=collaborative,
            title="Help is easy to get in every neighbourhood",
            success="Anyone can get help within a week, without being passed between services.",
            review_on=REVIEW_ON,
        ),
        by=facilitator,
    )


@pytest.fixture
def facilitators(collaborative, people) -> set[int]:
    second = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    return {people["facilitator"].pk, second.pk}


def test_each_facilitator_is_told_once_on_the_review_date_in_local_time(goal, facilitators, people):
    assert goal_reviews_queue(now=at(2030, 6, 9, 23, 59)) == 0
    # 23:30 UTC on the 9th is already 00:30 on the 10th in London.
    assert goal_reviews_queue(now=datetime(2030, 6, 9, 23, 30, tzinfo=UTC)) == 2
    assert recipients(GOAL_REVIEW_DUE) == facilitators  # Not the member, commissioner or outsider.
    assert goal_reviews_queue(now=at(2030, 6, 10, 9)) == 0
    assert goal_reviews_queue(now=at(2030, 6, 20, 9)) == 0  # Still due, but they were told.
    assert set(queued(GOAL_REVIEW_DUE).values_list("occasion", flat=True)) == {"review-2030-06-10"}


def test_a_goal_is_due_again_when_its_review_date_moves(goal, facilitator, people):
    assert goal_reviews_queue(now=at(2030, 6, 10, 9)) == 1
    goal_review(
        goal=goal,
        by=facilitator,
        reviewed_on=date(2030, 6, 12),
        outcome=GoalReview.Outcome.SOME_PROGRESS,
        next_review_on=date(2030, 9, 1),
    )
    assert goal_reviews_queue(now=at(2030, 8, 31, 23, 59)) == 0
    assert goal_reviews_queue(now=at(2030, 9, 1, 0, 1)) == 1
    assert goal_reviews_queue(now=at(2030, 9, 1, 10)) == 0
    # Changing the date by hand counts too.
    goal.review_on = date(2030, 10, 5)
    goal_save(goal=goal, by=facilitator)
    assert goal_reviews_queue(now=at(2030, 10, 5, 8)) == 1
    assert list(queued(GOAL_REVIEW_DUE).order_by("id").values_list("occasion", flat=True)) == [
        "review-2030-06-10",
        "review-2030-09-01",
        "review-2030-10-05",
    ]


def test_achieved_and_retired_goals_are_not_due(goal, facilitator, people):
    goal_review(goal=goal, by=facilitator, reviewed_on=date(2030, 6, 1), outcome=GoalReview.Outcome.ACHIEVED)
    assert goal_reviews_queue(now=at(2030, 6, 10, 9)) == 0
    assert not queued(GOAL_REVIEW_DUE).exists()


def test_the_goal_email_names_the_goal_and_date_and_links_to_the_goal_and_its_review(goal, facilitator, client):
    goal_reviews_queue(now=at(2030, 6, 10, 9))
    email, html = rendered(GOAL_REVIEW_DUE, facilitator)
    assert email.to == [facilitator.email]
    assert email.subject == f"Goal due for review: {goal.title} (Lambeth Living Well Collaborative)"
    assert "Monday 10 June 2030" in email.body
    assert goal.success in email.body
    goal_url = settings.SITE_URL.rstrip("/") + goal.get_absolute_url()
    review_url = settings.SITE_URL.rstrip("/") + reverse(
        "vision:goal_review", kwargs={"slug": goal.collaborative.slug, "pk": goal.pk}
    )
    assert f"The goal: {goal_url}\n" in email.body
    assert f"Record its review: {review_url}\n" in email.body
    assert f'href="{goal_url}"' in html
    assert f'href="{review_url}"' in html
    assert "you are a facilitator of Lambeth Living Well Collaborative" in email.body
    client.force_login(facilitator)
    for url in (goal_url, review_url):
        assert client.get(path_of(url)).status_code == 200, url


def test_a_goal_reviewed_before_its_email_goes_is_not_emailed_about(goal, facilitator, mailoutbox):
    goal_reviews_queue(now=at(2030, 6, 10, 9))
    goal_review(
        goal=goal,
        by=facilitator,
        reviewed_on=date(2030, 6, 10),
        outcome=GoalReview.Outcome.ON_TRACK,
        next_review_on=date(2030, 12, 1),
    )
    deliver()
    message = queued(GOAL_REVIEW_DUE).get()
    assert message.status == Message.Status.SKIPPED
    assert message.last_error == "The goal's review date moved; an email goes when the new date comes."
    assert not mailoutbox


# Self-assessment rounds: told when one opens, reminded the day before it closes.


@pytest.fixture
def closing_day(collaborative) -> date:
    return collaborative.local_today() + timedelta(days=10)


@pytest.fixture
def assessment(collaborative, facilitator, people, closing_day):
    return round_open(collaborative=collaborative, by=facilitator, title="Autumn 2026", closing_day=closing_day)


def test_opening_a_round_tells_every_current_member(collaborative, facilitator, people, closing_day):
    left = MembershipFactory(collaborative=collaborative, status=Membership.Status.LEFT, left_at=timezone.now()).user
    round_open(collaborative=collaborative, by=facilitator, title="Autumn 2026", closing_day=closing_day)
    everyone = {people[role].pk for role in ("member", "facilitator", "commissioner")}
    assert recipients(ROUND_OPENED) == everyone
    assert left.pk not in everyone


def test_the_round_email_says_when_it_closes_that_answers_are_anonymous_and_where_to_answer(
    assessment, member, client, closing_day
):
    email, html = rendered(ROUND_OPENED, member)
    assert email.subject == (
        f"How are we doing? Self-assessment open until {day_name(closing_day)} (Lambeth Living Well Collaborative)"
    )
    assert "“Autumn 2026”" in email.body
    assert f"closes at the end of {day_name(closing_day)}." in email.body
    assert "no one, facilitators included, sees one person's answers" in email.body
    assert "no one, facilitators included, sees one person's answers" in html
    url = settings.SITE_URL.rstrip("/") + assessment.get_absolute_url()
    assert f"Give your answers here:\n{url}\n" in email.body
    assert f'href="{url}"' in html
    client.force_login(member)
    assert client.get(path_of(url)).status_code == 200


def test_the_closing_reminder_is_due_at_nine_the_day_before_the_last_day(assessment, closing_day):
    assert round_reminder_due(assessment) == datetime.combine(closing_day - timedelta(days=1), time(9), LONDON)


def finish(assessment, user, rating=Rating.STRONG) -> None:
    answers_save(round=assessment, user=user, answers={s.pk: (rating, "") for s in assessment.statements.all()})


def test_the_reminder_goes_once_to_current_members_who_have_not_rated_every_statement(
    assessment, collaborative, people
):
    first, second = assessment.statements.all()[:2]
    finish(assessment, people["commissioner"], Rating.DONT_KNOW)  # "Don't know" is an answer.
    # Rated one, and left only a comment on another: not finished.
    answers_save(
        round=assessment,
        user=people["member"],
        answers={first.pk: (Rating.STARTING, ""), second.pk: ("", "Hard to say.")},
    )
    leaving = MembershipFactory(collaborative=collaborative).user
    Membership.objects.filter(user=leaving).update(status=Membership.Status.LEFT, left_at=timezone.now())
    due = round_reminder_due(assessment)

    assert round_reminders_queue(now=due - timedelta(minutes=1)) == 0
    assert round_reminders_queue(now=due) == 2
    assert recipients(ROUND_CLOSING) == {people["member"].pk, people["facilitator"].pk}
    assert round_reminders_queue(now=due + timedelta(hours=3)) == 0
    assert round_reminders_queue(now=assessment.closes_at - timedelta(minutes=1)) == 0
    assert queued(ROUND_CLOSING).count() == 2


def test_no_reminder_for_a_round_that_has_closed(assessment, facilitator):
    due = round_reminder_due(assessment)
    assert round_reminders_queue(now=assessment.closes_at) == 0
    close_early(assessment, facilitator)
    assert round_reminders_queue(now=due) == 0
    assert not queued(ROUND_CLOSING).exists()


def test_no_reminder_for_a_round_opened_after_its_reminder_time(collaborative, facilitator, people):
    # A round closing at the end of today was due its reminder yesterday morning: it was just announced instead.
    # (Rounds now stay open a week; this one is as if opened before that rule, or its dates moved by hand.)
    today = collaborative.local_today()
    short = round_open(
        collaborative=collaborative, by=facilitator, title="Quick check", closing_day=today + timedelta(days=7)
    )
    Round.objects.filter(pk=short.pk).update(closes_at=round_closing_moment(collaborative, today))
    short.refresh_from_db()
    assert round_reminder_due(short) < short.opened_at
    assert round_reminders_queue(now=short.opened_at + timedelta(seconds=1)) == 0
    assert round_reminders_queue(now=short.closes_at - timedelta(minutes=1)) == 0
    assert not queued(ROUND_CLOSING).exists()
    assert queued(ROUND_OPENED).count() == 3


def test_the_reminder_email_says_the_round_closes_at_the_end_of_its_last_day(assessment, member, client, closing_day):
    round_reminders_queue(now=round_reminder_due(assessment))
    email, html = rendered(ROUND_CLOSING, member)
    assert email.subject == (
        f"Reminder: self-assessment closes at the end of {day_name(closing_day)} (Lambeth Living Well Collaborative)"
    )
    assert f"“Autumn 2026” closes at the end of {day_name(closing_day)}" in email.body
    assert "you have not answered every statement yet" in email.body
    url = settings.SITE_URL.rstrip("/") + assessment.get_absolute_url()
    assert f"Give your answers here:\n{url}\n" in email.body
    assert f'href="{url}"' in html
    client.force_login(member)
    assert client.get(path_of(url)).status_code == 200


def test_a_reminder_waiting_when_the_round_closes_is_not_sent(assessment, facilitator, mailoutbox):
    round_reminders_queue(now=round_reminder_due(assessment))
    close_early(assessment, facilitator)
    deliver()
    assert set(queued(ROUND_CLOSING).values_list("status", flat=True)) == {Message.Status.SKIPPED}
    assert queued(ROUND_CLOSING).first().last_error == "The self-assessment round has closed."
    assert not [e for e in mailoutbox if "Reminder" in e.subject]


def test_the_beat_scan_covers_goals_and_rounds(goal, assessment, people):
    # The goal comes up for review on the morning the round's reminder is due.
    Goal.objects.filter(pk=goal.pk).update(review_on=round_reminder_due(assessment).date())
    assert reminders_queue(now=round_reminder_due(assessment)) == 1 + 3


def test_beat_runs_the_vision_scan_every_minute():
    assert settings.CELERY_BEAT_SCHEDULE["vision-reminders"] == {
        "task": "vision.tasks.queue_reminders_task",
        "schedule": 60.0,
    }
    from vision.tasks import queue_reminders_task

    assert queue_reminders_task.apply().get() == 0


# The vision: members asked for comments on a draft, and told when a new version is adopted.

VALUES = [("Equal voices", "A carer's view counts as much as a chief officer's."), ("Hope", "Change is possible.")]


def draft(collaborative, facilitator, **options):
    return version_draft(
        collaborative=collaborative,
        by=facilitator,
        statement="Help is easy to get, where and when people need it.",
        values=VALUES,
        **options,
    )


def test_a_draft_asks_members_for_comments_once_and_only_when_asked(collaborative, facilitator, people):
    version = draft(collaborative, facilitator)
    assert not queued(VISION_DRAFT).exists()
    version_update(version=version, statement=version.statement, values=VALUES, note="Shorter.", ask_members=True)
    everyone = {people[role].pk for role in ("member", "facilitator", "commissioner")}
    assert recipients(VISION_DRAFT) == everyone
    version_update(version=version, statement="Help is near.", values=VALUES, note="Shorter.", ask_members=True)
    assert queued(VISION_DRAFT).count() == 3

    second = draft(collaborative, facilitator, note="Add carers.", ask_members=True)
    assert recipients(VISION_DRAFT, about_id=second.pk) == everyone


def test_the_draft_email_has_the_version_its_note_and_where_to_comment(collaborative, facilitator, member, client):
    version = draft(collaborative, facilitator, note="We want carers named in the vision.", ask_members=True)
    email, html = rendered(VISION_DRAFT, member)
    assert email.subject == "Your ideas on a draft of our vision (version 1) (Lambeth Living Well Collaborative)"
    assert "(version 1)" in email.body
    assert "What is changing and why:\nWe want carers named in the vision." in email.body
    assert "- Equal voices: A carer's view counts as much as a chief officer's." in email.body
    assert "A carer&#x27;s view counts" in html  # Escaped in HTML.
    url = settings.SITE_URL.rstrip("/") + version.get_absolute_url()
    assert f"add your ideas or comments here:\n{url}\n" in email.body
    assert f'href="{url}"' in html
    client.force_login(member)
    assert client.get(path_of(url)).status_code == 200


def test_a_draft_adopted_before_its_email_goes_is_not_sent_for_comments(collaborative, facilitator, mailoutbox):
    version = draft(collaborative, facilitator, ask_members=True)
    version_adopt(version=version, by=facilitator)
    deliver()
    assert set(queued(VISION_DRAFT).values_list("last_error", flat=True)) == {"Version 1 is no longer a draft."}
    assert {e.subject for e in mailoutbox} == {
        "Our new vision and values (version 1) (Lambeth Living Well Collaborative)"
    }


def test_adopting_tells_every_current_member_with_the_statement_and_values(collaborative, facilitator, people, client):
    version = version_adopt(version=draft(collaborative, facilitator), by=facilitator)
    everyone = {people[role].pk for role in ("member", "facilitator", "commissioner")}
    assert recipients(VISION_ADOPTED) == everyone
    member = people["member"]
    email, html = rendered(VISION_ADOPTED, member)
    assert email.subject == "Our new vision and values (version 1) (Lambeth Living Well Collaborative)"
    assert "Help is easy to get, where and when people need it." in email.body
    assert "- Equal voices\n- Hope\n" in email.body
    assert "<li>Equal voices</li>" in html
    url = settings.SITE_URL.rstrip("/") + version.get_absolute_url()
    assert url in email.body
    assert f'href="{url}"' in html
    client.force_login(member)
    assert client.get(path_of(url)).status_code == 200


def test_every_vision_email_can_be_turned_off_on_the_preferences_page():
    from notifications.kinds import kind_named, member_kinds

    for kind in (VISION_DRAFT, VISION_ADOPTED, GOAL_REVIEW_DUE, ROUND_OPENED, ROUND_CLOSING):
        assert kind_named(kind.key) is kind
        assert kind in member_kinds()
