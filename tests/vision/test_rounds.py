"""Self-assessment rounds: opening one at a time, closing at midnight local time, saving answers
part of the way, and nothing changed once a round has closed."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import CollaborativeFactory
from tests.vision.rounds import close_early
from vision.models import Answer, Rating, Response, Round
from vision.services import (
    answers_save,
    round_change_closing,
    round_close,
    round_closing_moment,
    round_open,
)

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.now().year + 1
WINTER_DAY = date(NEXT_YEAR, 1, 15)  # GMT: London's midnight is midnight UTC.
SUMMER_DAY = date(NEXT_YEAR, 7, 15)  # BST: London's midnight is 23:00 UTC the day before.


def open_round(collaborative, facilitator, closing_day=None, title="Spring") -> Round:
    closing_day = closing_day or collaborative.local_today() + timedelta(days=7)
    return round_open(collaborative=collaborative, by=facilitator, title=title, closing_day=closing_day)


def closed_by_time(round: Round) -> Round:
    """The round as if it had opened ten days ago and its closing day had passed."""
    now = timezone.now()
    Round.objects.filter(pk=round.pk).update(opened_at=now - timedelta(days=10), closes_at=now - timedelta(days=2))
    return Round.objects.get(pk=round.pk)


def ids(round: Round) -> list[int]:
    return list(round.statements.values_list("pk", flat=True))


def saved(round: Round, user) -> dict[int, tuple[str, str]]:
    answers = Answer.objects.filter(response__round=round, response__user=user)
    return {a.statement_id: (a.rating, a.comment) for a in answers}


def test_opening_a_round_asks_every_statement_and_records_who_opened_it(collaborative, facilitator):
    round = open_round(collaborative, facilitator, title="  Autumn 2026  ")

    assert round.title == "Autumn 2026"
    assert round.opened_by == facilitator
    assert round.is_open
    assert round.statements.count() == 25
    assert Round.objects.open_at(timezone.now()).get() == round


def test_opening_a_round_starts_the_framework_if_needed(collaborative, facilitator):
    assert not collaborative.key_roles.exists()

    open_round(collaborative, facilitator)

    assert collaborative.key_roles.count() == 5


def test_a_second_round_is_refused_while_one_is_open(collaborative, facilitator):
    open_round(collaborative, facilitator)

    with pytest.raises(ValidationError) as refused:
        open_round(collaborative, facilitator, title="Another")

    assert refused.value.messages == ["A round is already open. Close it before opening another."]
    assert collaborative.rounds.count() == 1


def test_a_new_round_can_open_once_the_last_has_closed(collaborative, facilitator):
    close_early(open_round(collaborative, facilitator), facilitator)

    assert open_round(collaborative, facilitator, title="Autumn").is_open


def test_another_collaboratives_open_round_does_not_stop_this_one(collaborative, other_collaborative, facilitator):
    open_round(other_collaborative, facilitator)

    assert open_round(collaborative, facilitator).is_open


@pytest.mark.parametrize("days", [-1, 0, 6])
def test_a_round_must_stay_open_at_least_seven_days(collaborative, facilitator, days):
    today = collaborative.local_today()

    with pytest.raises(ValidationError) as refused:
        open_round(collaborative, facilitator, closing_day=today + timedelta(days=days))

    week = today + timedelta(days=7)
    assert refused.value.message_dict == {
        "closing_day": [
            "A round stays open for at least 7 days, so that everyone has time to answer. "
            f"Choose {week.day} {week:%B %Y} or a later day."
        ]
    }
    assert not collaborative.rounds.exists()


def test_a_round_can_close_at_the_end_of_the_day_a_week_from_today(collaborative, facilitator):
    week = collaborative.local_today() + timedelta(days=7)

    round = open_round(collaborative, facilitator, closing_day=week)

    assert round.is_open
    assert round.closing_day == week
    assert round.closes_at - round.opened_at > timedelta(days=7)


def test_a_round_closes_at_midnight_at_the_end_of_its_closing_day_in_winter(collaborative, facilitator):
    round = open_round(collaborative, facilitator, closing_day=WINTER_DAY)

    assert round.closes_at == datetime(NEXT_YEAR, 1, 16, 0, 0, tzinfo=UTC)
    assert round.closing_day == WINTER_DAY


def test_a_round_closes_at_midnight_london_time_in_summer_time(collaborative, facilitator):
    round = open_round(collaborative, facilitator, closing_day=SUMMER_DAY)

    assert round.closes_at == datetime(NEXT_YEAR, 7, 15, 23, 0, tzinfo=UTC)
    assert round.local_closes_at.replace(tzinfo=None) == datetime(NEXT_YEAR, 7, 16, 0, 0)
    assert round.closing_day == SUMMER_DAY


def test_a_round_closes_at_midnight_in_its_collaboratives_own_time_zone(facilitator):
    faraway = CollaborativeFactory(time_zone="America/New_York")

    round = open_round(faraway, facilitator, closing_day=WINTER_DAY)

    assert round.closes_at == datetime(NEXT_YEAR, 1, 16, 5, 0, tzinfo=UTC)
    assert round.closing_day == WINTER_DAY


def test_the_closing_moment_follows_the_clocks(collaborative):
    assert round_closing_moment(collaborative, date(2030, 3, 30)) == datetime(2030, 3, 31, 0, 0, tzinfo=UTC)
    # The clocks go forward at 01:00 on 31 March 2030: that day ends at 23:00 UTC.
    assert round_closing_moment(collaborative, date(2030, 3, 31)) == datetime(2030, 3, 31, 23, 0, tzinfo=UTC)
    assert round_closing_moment(collaborative, date(2030, 10, 26)) == datetime(2030, 10, 26, 23, 0, tzinfo=UTC)
    # The clocks go back at 02:00 on 27 October 2030: that day ends at midnight UTC.
    assert round_closing_moment(collaborative, date(2030, 10, 27)) == datetime(2030, 10, 28, 0, 0, tzinfo=UTC)


def test_answers_can_be_saved_part_of_the_way_and_added_to_later(collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)
    first, second, third, *_ = ids(round)

    answers_save(round=round, user=member, answers={first: (Rating.STRONG, ""), second: (Rating.NOT_YET, "Slow.")})
    assert saved(round, member) == {first: ("strong", ""), second: ("not_yet", "Slow.")}

    answers_save(round=round, user=member, answers={third: (Rating.DONT_KNOW, "")})
    assert saved(round, member) == {first: ("strong", ""), second: ("not_yet", "Slow."), third: ("dont_know", "")}
    assert Response.objects.filter(round=round, user=member).count() == 1


def test_answers_can_be_changed_while_the_round_is_open(collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)
    first, *_ = ids(round)
    answers_save(round=round, user=member, answers={first: (Rating.STARTING, "Early days.")})

    answers_save(round=round, user=member, answers={first: (Rating.GETTING_THERE, "  Better now.  ")})

    assert saved(round, member) == {first: ("getting_there", "Better now.")}
    assert Answer.objects.count() == 1


def test_clearing_both_rating_and_comment_removes_an_answer(collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)
    first, second, *_ = ids(round)
    answers_save(round=round, user=member, answers={first: (Rating.STRONG, "Yes."), second: (Rating.STRONG, "")})

    answers_save(round=round, user=member, answers={first: ("", "   "), second: ("", "Not sure any more.")})

    # A comment alone is kept, without a rating.
    assert saved(round, member) == {second: ("", "Not sure any more.")}


def test_clearing_an_answer_never_given_saves_nothing(collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)

    answers_save(round=round, user=member, answers={ids(round)[0]: ("", "")})

    assert not Answer.objects.exists()


def test_each_persons_answers_are_their_own(collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)
    first, *_ = ids(round)

    answers_save(round=round, user=member, answers={first: (Rating.STRONG, "")})
    answers_save(round=round, user=facilitator, answers={first: (Rating.NOT_YET, "")})

    assert saved(round, member) == {first: ("strong", "")}
    assert saved(round, facilitator) == {first: ("not_yet", "")}


def test_a_rating_not_offered_is_refused(collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)

    with pytest.raises(ValidationError, match="Choose one of the answers given"):
        answers_save(round=round, user=member, answers={ids(round)[0]: ("brilliant", "")})

    assert not Answer.objects.exists()


def test_a_statement_of_another_round_is_refused(collaborative, other_collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)
    elsewhere = open_round(other_collaborative, facilitator)

    with pytest.raises(ValidationError, match="That statement is not part of this round"):
        answers_save(round=round, user=member, answers={ids(elsewhere)[0]: (Rating.STRONG, "")})

    assert not Answer.objects.exists()


def test_answering_after_the_closing_day_is_refused_with_a_clear_message(collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)
    first, second, *_ = ids(round)
    answers_save(round=round, user=member, answers={first: (Rating.STARTING, "")})
    round = closed_by_time(round)

    with pytest.raises(ValidationError) as refused:
        answers_save(round=round, user=member, answers={first: (Rating.STRONG, ""), second: (Rating.STRONG, "")})

    closing_day = round.closing_day
    assert refused.value.messages == [
        f"This round closed on {closing_day.day} {closing_day:%B %Y}, so answers and dates can no longer be changed."
    ]
    assert saved(round, member) == {first: ("starting", "")}


def test_answering_a_round_closed_early_is_refused(collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)
    first, *_ = ids(round)
    answers_save(round=round, user=member, answers={first: (Rating.STARTING, "")})
    close_early(round, facilitator)

    # Even with the round as it was before it closed (a form left open in another tab).
    for attempt in ({first: (Rating.STRONG, "")}, {first: ("", "")}):
        with pytest.raises(ValidationError, match=r"This round closed on .*, so answers and dates can no longer"):
            answers_save(round=round, user=member, answers=attempt)

    # Counted when it closed, then deleted: nothing new was saved, and nothing links the answer to anyone.
    assert not Response.objects.exists()
    assert Round.objects.get(pk=round.pk).respondents == 1


def test_a_first_answer_in_a_closed_round_is_refused(collaborative, facilitator, member):
    round = closed_by_time(open_round(collaborative, facilitator))

    with pytest.raises(ValidationError, match="closed"):
        answers_save(round=round, user=member, answers={ids(round)[0]: (Rating.STRONG, "")})

    assert not Response.objects.exists()


def test_the_closing_day_of_an_open_round_can_move_later_or_earlier(collaborative, facilitator):
    today = collaborative.local_today()
    round = open_round(collaborative, facilitator, closing_day=today + timedelta(days=14))

    later = round_change_closing(round=round, closing_day=SUMMER_DAY)
    assert (later.closing_day, later.closes_at) == (SUMMER_DAY, datetime(NEXT_YEAR, 7, 15, 23, 0, tzinfo=UTC))

    earlier = round_change_closing(round=round, closing_day=today + timedelta(days=7))
    assert earlier.closing_day == today + timedelta(days=7)
    assert Round.objects.get(pk=round.pk).closing_day == today + timedelta(days=7)


def test_the_closing_day_cannot_move_to_less_than_a_week_after_opening(collaborative, facilitator):
    """Moving the last day to today would get round the wait before "Close the round now"."""
    today = collaborative.local_today()
    round = open_round(collaborative, facilitator, closing_day=today + timedelta(days=14))

    for day in (today, today + timedelta(days=6)):
        with pytest.raises(ValidationError) as refused:
            round_change_closing(round=round, closing_day=day)
        week = today + timedelta(days=7)
        assert refused.value.message_dict == {
            "closing_day": [
                "A round stays open for at least 7 days, so that everyone has time to answer. "
                f"Choose {week.day} {week:%B %Y} or a later day."
            ]
        }

    assert Round.objects.get(pk=round.pk).closing_day == today + timedelta(days=14)


def test_a_round_open_more_than_a_week_can_be_given_today_as_its_last_day(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    Round.objects.filter(pk=round.pk).update(opened_at=timezone.now() - timedelta(days=8))

    assert round_change_closing(round=round, closing_day=collaborative.local_today()).is_open


def test_the_closing_day_cannot_move_into_the_past(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    closes_at = round.closes_at

    with pytest.raises(ValidationError) as refused:
        round_change_closing(round=round, closing_day=collaborative.local_today() - timedelta(days=1))

    assert refused.value.message_dict == {"closing_day": ["The closing date has passed. Choose today or a later day."]}
    assert Round.objects.get(pk=round.pk).closes_at == closes_at


def test_the_closing_day_of_a_closed_round_cannot_change(collaborative, facilitator):
    round = closed_by_time(open_round(collaborative, facilitator))

    with pytest.raises(ValidationError, match="This round closed on"):
        round_change_closing(round=round, closing_day=collaborative.local_today() + timedelta(days=7))

    assert not Round.objects.get(pk=round.pk).is_open


def test_closing_a_round_early_ends_it_now_and_records_who_closed_it(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    before = timezone.now()

    closed = close_early(round, facilitator)

    assert before <= closed.closes_at <= timezone.now()
    assert closed.closed_early_by == facilitator
    assert not closed.is_open
    assert closed.closing_day == collaborative.local_today()
    assert Round.objects.closed_at(timezone.now()).get() == closed


def test_a_closed_round_cannot_be_closed_again(collaborative, facilitator, member):
    round = close_early(open_round(collaborative, facilitator), facilitator)
    closes_at = round.closes_at

    with pytest.raises(ValidationError, match="This round closed on"):
        round_close(round=round, by=member)

    round.refresh_from_db()
    assert (round.closes_at, round.closed_early_by) == (closes_at, facilitator)
