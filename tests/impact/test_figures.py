"""The headline figures for a period (impact/figures.py): each counted right at the edges of the period, in
the Collaborative's dates; the small-number rule and the guard against working a hidden count out by
subtraction; hours only from people with lived experience, and only where payments are recorded; and the
same number of queries however much data there is."""

from datetime import date, timedelta

import pytest

from actions.models import Action
from impact.figures import (
    HOURS_NOT_RECORDED,
    HOURS_SMALL_QUARTER,
    HOURS_WHOLE_QUARTERS,
    NOT_SHOWN,
    SMALL_NUMBER_RULE,
    figures_for,
    perspective_figures,
)
from meetings.models import Meeting
from members.models import Perspective, Visibility
from payments.models import Activity, Line
from tests.factories import (
    ActionFactory,
    AttendanceFactory,
    GoalFactory,
    MeetingFactory,
    PaymentSettingsFactory,
    TimeLineFactory,
)
from tests.impact.helpers import AFTER, BEFORE, END, START, ask_sent, at, meeting_on, person, review
from vision.models import GoalReview

pytestmark = pytest.mark.django_db


def shown(figures, key: str) -> str:
    return figures.figure(key).shown


def test_meetings_held_count_the_first_and_last_day_in_local_time_and_not_the_day_after(collaborative):
    # 00:15 on 1 April in London (summer time) is still 31 March in UTC.
    meeting_on(collaborative, START, hour=0, minute=15)
    meeting_on(collaborative, END, hour=23, minute=15)
    meeting_on(collaborative, BEFORE, hour=23, minute=15)
    meeting_on(collaborative, AFTER, hour=0, minute=15)
    meeting_on(collaborative, date(2025, 6, 12), status=Meeting.Status.CANCELLED)
    figures = figures_for(collaborative, START, END)
    assert figures.figure("meetings_held").value == 2
    assert shown(figures, "meetings_held") == "2"


def test_a_meeting_not_ended_yet_is_not_held(collaborative):
    today = collaborative.local_today()
    start = MeetingFactory(collaborative=collaborative).starts_at  # A week from now.
    assert figures_for(collaborative, today, start.date() + timedelta(days=1)).figure("meetings_held").value == 0


def test_people_who_came_are_counted_once_and_only_from_meetings_held_in_the_period(collaborative):
    first, last = meeting_on(collaborative, START), meeting_on(collaborative, END)
    cancelled = meeting_on(collaborative, date(2025, 9, 1), status=Meeting.Status.CANCELLED)
    after = meeting_on(collaborative, AFTER)
    people = [person() for _ in range(4)]
    for somebody in people[:3]:
        AttendanceFactory(meeting=first, user=somebody)
        AttendanceFactory(meeting=last, user=somebody)  # Twice, counted once.
    AttendanceFactory(meeting=first, user=people[3], attended=False)  # Marked as not there.
    AttendanceFactory(meeting=cancelled, user=people[3])
    AttendanceFactory(meeting=after, user=people[3])
    assert shown(figures_for(collaborative, START, END), "people_came") == "3"
    # The last day alone: the same three; the first alone, the same.
    assert shown(figures_for(collaborative, END, END), "people_came") == "3"
    assert shown(figures_for(collaborative, AFTER, AFTER), "people_came") == "fewer than 3"


def test_people_who_came_keep_to_the_small_number_rule(collaborative):
    meeting = meeting_on(collaborative, START)
    assert shown(figures_for(collaborative, START, END), "people_came") == "none"
    AttendanceFactory(meeting=meeting, user=person())
    AttendanceFactory(meeting=meeting, user=person())
    figures = figures_for(collaborative, START, END)
    assert shown(figures, "people_came") == "fewer than 3"
    assert figures.figure("people_came").value is None  # Never the exact number of people.
    assert SMALL_NUMBER_RULE in figures.notes


def test_perspectives_count_only_what_people_share_with_members(collaborative):
    meeting = meeting_on(collaborative, START)
    for visibility in (Visibility.MEMBERS, Visibility.MEMBERS, Visibility.MEMBERS):
        AttendanceFactory(meeting=meeting, user=person(Perspective.CARER, visibility=visibility))
    for visibility in (Visibility.FACILITATORS, Visibility.NOBODY, Visibility.NOBODY):
        AttendanceFactory(meeting=meeting, user=person(Perspective.COMMISSIONER, visibility=visibility))
    figures = figures_for(collaborative, START, END)
    by = {figure.key: figure.shown for figure in figures.by_perspective}
    assert by[Perspective.CARER] == "3"
    assert by[Perspective.COMMISSIONER] == "none"
    assert shown(figures, "people_came") == "6"  # The total counts everyone who came.


def test_one_hidden_perspective_hides_the_next_smallest_too():
    counts = dict.fromkeys(Perspective.values, 0) | {
        Perspective.LIVED_EXPERIENCE: 9,
        Perspective.CARER: 4,
        Perspective.PRACTITIONER: 1,
        Perspective.MANAGER: 6,
    }
    by = {figure.key: figure.shown for figure in perspective_figures(counts)}
    assert by[Perspective.PRACTITIONER] == "fewer than 3"
    assert by[Perspective.CARER] == NOT_SHOWN  # The smallest of the rest: else 9 + 4 + 6 from the total gives 1.
    assert by[Perspective.LIVED_EXPERIENCE] == "9"
    assert by[Perspective.MANAGER] == "6"
    assert by[Perspective.COMMISSIONER] == "none"


def test_with_no_small_perspective_everything_is_shown():
    counts = dict.fromkeys(Perspective.values, 0) | {Perspective.LIVED_EXPERIENCE: 9, Perspective.CARER: 3}
    by = {figure.key: figure.shown for figure in perspective_figures(counts)}
    assert NOT_SHOWN not in by.values()
    assert "fewer than 3" not in by.values()
    assert by[Perspective.CARER] == "3"


def test_the_guard_applies_to_the_figures_counted_from_registers(collaborative):
    meeting = meeting_on(collaborative, START)
    for perspectives in [[Perspective.CARER]] * 5 + [[Perspective.PRACTITIONER]] * 3 + [[Perspective.MANAGER]]:
        AttendanceFactory(meeting=meeting, user=person(*perspectives))
    figures = figures_for(collaborative, START, END)
    by = {figure.key: figure.shown for figure in figures.by_perspective}
    assert shown(figures, "people_came") == "9"
    assert by == dict.fromkeys(Perspective.values, "none") | {
        Perspective.CARER: "5",
        Perspective.PRACTITIONER: NOT_SHOWN,
        Perspective.MANAGER: "fewer than 3",
    }


class TestHours:
    def lived_people(self, count: int, visibility=Visibility.MEMBERS) -> list:
        return [person(Perspective.LIVED_EXPERIENCE, visibility=visibility) for _ in range(count)]

    def test_without_payments_recorded_there_are_no_hours_and_the_page_says_so(self, collaborative):
        meeting = meeting_on(collaborative, START)
        for somebody in self.lived_people(3):
            TimeLineFactory(meeting=meeting, user=somebody)
        figures = figures_for(collaborative, START, END)
        assert figures.figure("hours") is None
        assert not figures.hours_recorded
        assert HOURS_NOT_RECORDED in figures.notes

    def test_payments_stopped_before_the_period_are_not_recorded_in_it(self, collaborative):
        PaymentSettingsFactory(collaborative=collaborative, valid_from=date(2020, 1, 1))
        PaymentSettingsFactory(collaborative=collaborative, valid_from=date(2021, 1, 1), pays=False)
        assert not figures_for(collaborative, START, END).hours_recorded
        PaymentSettingsFactory(collaborative=collaborative, valid_from=END, pays=True)  # From the last day.
        assert figures_for(collaborative, START, END).hours_recorded

    def test_hours_count_only_people_with_lived_experience_and_only_in_the_period(self, collaborative):
        PaymentSettingsFactory(collaborative=collaborative, valid_from=date(2024, 1, 1))
        first = meeting_on(collaborative, START)  # 30 minutes each.
        last = meeting_on(collaborative, END)
        after = meeting_on(collaborative, AFTER)
        lived = self.lived_people(3)
        for somebody in lived:
            TimeLineFactory(meeting=first, user=somebody)
            TimeLineFactory(meeting=after, user=somebody)  # The day after: not counted.
        TimeLineFactory(meeting=last, user=lived[0])
        TimeLineFactory(meeting=last, user=self.lived_people(1)[0])
        TimeLineFactory(meeting=last, user=person(Perspective.CARER))  # Not lived experience.
        TimeLineFactory(meeting=last, user=self.lived_people(1, Visibility.NOBODY)[0])  # Kept private.
        TimeLineFactory(meeting=last, user=lived[1], status=Line.Status.WAITING)  # Not approved yet.
        TimeLineFactory(
            meeting=None,
            collaborative=collaborative,
            user=lived[2],
            activity=Activity.HOUR,
            quantity=3,
            activity_on=END,
        )
        figures = figures_for(collaborative, START, END)
        assert figures.hours_recorded
        # 5 meetings of half an hour and 3 hours: 3 people paid in the first quarter and 3 in the last, none between.
        assert shown(figures, "hours") == "5.5"

    def test_hours_of_fewer_than_three_people_are_not_shown(self, collaborative):
        PaymentSettingsFactory(collaborative=collaborative, valid_from=date(2024, 1, 1))
        meeting = meeting_on(collaborative, START)
        assert shown(figures_for(collaborative, START, END), "hours") == "none"
        for somebody in self.lived_people(2):
            TimeLineFactory(meeting=meeting, user=somebody)
        assert shown(figures_for(collaborative, START, END), "hours") == HOURS_SMALL_QUARTER

    def paid(self, collaborative, day: date, people: list, hours: int = 1) -> None:
        for somebody in people:
            TimeLineFactory(
                meeting=None,
                collaborative=collaborative,
                user=somebody,
                activity=Activity.HOUR,
                quantity=hours,
                activity_on=day,
            )

    def test_two_periods_a_day_apart_never_show_one_persons_hours(self, collaborative):
        # 1 to 8 June, then 1 to 9 June: the difference would be the hours of the one person paid on 9 June.
        PaymentSettingsFactory(collaborative=collaborative, valid_from=date(2024, 1, 1))
        self.paid(collaborative, date(2025, 6, 1), self.lived_people(3), hours=2)  # 3 people: 6 hours shown before.
        self.paid(collaborative, date(2025, 6, 9), self.lived_people(1), hours=4)  # Then 10: one person's 4 hours.
        shorter = figures_for(collaborative, date(2025, 6, 1), date(2025, 6, 8))
        longer = figures_for(collaborative, date(2025, 6, 1), date(2025, 6, 9))
        from_april = figures_for(collaborative, START, date(2025, 6, 8))
        assert shown(shorter, "hours") == shown(longer, "hours") == shown(from_april, "hours") == HOURS_WHOLE_QUARTERS
        assert "April to June" in HOURS_WHOLE_QUARTERS
        # The whole quarter shows: 4 people's hours together.
        assert shown(figures_for(collaborative, START, date(2025, 6, 30)), "hours") == "10"

    def test_overlapping_periods_of_whole_quarters_differ_only_by_quarters_of_three_people_or_more(self, collaborative):
        PaymentSettingsFactory(collaborative=collaborative, valid_from=date(2024, 1, 1))
        april_to_june, july_to_september = (START, date(2025, 6, 30)), (date(2025, 7, 1), date(2025, 9, 30))
        april_to_september, july_to_december = (START, date(2025, 9, 30)), (date(2025, 7, 1), date(2025, 12, 31))
        self.paid(collaborative, START, self.lived_people(3), hours=2)
        self.paid(collaborative, date(2025, 8, 1), self.lived_people(1), hours=5)  # One person, July to September.
        self.paid(collaborative, date(2025, 11, 1), self.lived_people(3), hours=1)
        # April to September less April to June would be the one person's 5 hours: not shown.
        assert shown(figures_for(collaborative, *april_to_june), "hours") == "6"
        for period in (april_to_september, july_to_december, july_to_september, (START, END)):
            assert shown(figures_for(collaborative, *period), "hours") == HOURS_SMALL_QUARTER
        # With 3 people paid from July to September, every difference is at least 3 people's hours.
        self.paid(collaborative, date(2025, 9, 30), self.lived_people(2), hours=1)
        shown_now = {
            period: shown(figures_for(collaborative, *period), "hours")
            for period in (april_to_june, april_to_september, july_to_december, july_to_september)
        }
        assert shown_now == {
            april_to_june: "6",
            april_to_september: "13",
            july_to_december: "10",
            july_to_september: "7",
        }


@pytest.mark.parametrize(
    ("start", "end"), [(date(9999, 12, 31), date(9999, 12, 31)), (date(1, 1, 1), date(9999, 12, 31))]
)
def test_figures_for_a_period_out_of_bounds_never_overflow(collaborative, start, end):
    PaymentSettingsFactory(collaborative=collaborative, valid_from=date(2024, 1, 1))
    figures = figures_for(collaborative, start, end)
    assert figures.figure("meetings_held").value == 0
    assert shown(figures, "hours") == HOURS_WHOLE_QUARTERS


def test_actions_agreed_and_done_in_the_period(collaborative):
    counted = [
        ActionFactory(collaborative=collaborative, created_at=at(START, 0, 5)),
        ActionFactory(
            collaborative=collaborative,
            created_at=at(END, 23, 55),
            status=Action.Status.DONE,
            done_at=at(END, 23, 55),
        ),
    ]
    ActionFactory(collaborative=collaborative, created_at=at(BEFORE, 23, 55), status="done", done_at=at(START, 0, 5))
    ActionFactory(collaborative=collaborative, created_at=at(AFTER, 0, 5), status="done", done_at=at(AFTER, 0, 5))
    figures = figures_for(collaborative, START, END)
    assert figures.figure("actions_agreed").value == len(counted)
    assert figures.figure("actions_done").value == 2  # Done on the first day and on the last.


def test_goals_active_and_achieved(collaborative):
    GoalFactory(collaborative=collaborative, created_at=at(BEFORE))  # Active all along.
    achieved_first_day = GoalFactory(collaborative=collaborative, created_at=at(BEFORE))
    review(achieved_first_day, GoalReview.Outcome.ACHIEVED, START)
    achieved_before = GoalFactory(collaborative=collaborative, created_at=at(date(2024, 1, 1)))
    review(achieved_before, GoalReview.Outcome.ACHIEVED, BEFORE)
    achieved_after = GoalFactory(collaborative=collaborative, created_at=at(END, 23, 30))
    review(achieved_after, GoalReview.Outcome.ACHIEVED, AFTER)
    GoalFactory(collaborative=collaborative, created_at=at(AFTER, 0, 30))  # Set after the period.
    figures = figures_for(collaborative, START, END)
    assert figures.figure("goals_achieved").value == 1
    assert figures.figure("goals_active").value == 2  # Active all along, and the one achieved after the end.


def test_asks_sent_and_how_they_were_answered(collaborative):
    today = collaborative.local_today()
    ask_sent(collaborative, START, due_on=date(2025, 4, 29), answered_on=date(2025, 4, 29))  # On the due day.
    ask_sent(collaborative, END, due_on=date(2026, 4, 28), answered_on=date(2026, 5, 1))  # Late.
    ask_sent(collaborative, date(2025, 9, 1), due_on=date(2025, 9, 29))  # Never answered.
    ask_sent(collaborative, BEFORE, due_on=date(2025, 4, 28))
    ask_sent(collaborative, AFTER, due_on=date(2026, 4, 29))
    figures = figures_for(collaborative, START, END)
    values = {key: figures.figure(f"asks_{key}").value for key in ("sent", "on_time", "late", "unanswered", "waiting")}
    assert values == {"sent": 3, "on_time": 1, "late": 1, "unanswered": 1, "waiting": 0}
    # An ask sent today is waiting, not yet unanswered.
    ask_sent(collaborative, today, due_on=today + timedelta(days=28))
    figures = figures_for(collaborative, today, today)
    assert figures.figure("asks_waiting").value == 1
    assert figures.figure("asks_unanswered").value == 0


def grow(collaborative, size: int) -> None:
    """`size` of everything the figures count, in the period."""
    PaymentSettingsFactory(collaborative=collaborative, valid_from=date(2024, 1, 1))
    perspectives = Perspective.values
    for index in range(size):
        meeting = meeting_on(collaborative, START + timedelta(days=index))
        somebody = person(perspectives[index % len(perspectives)], Perspective.LIVED_EXPERIENCE)
        AttendanceFactory(meeting=meeting, user=somebody)
        TimeLineFactory(meeting=meeting, user=somebody)
        ActionFactory(collaborative=collaborative, created_at=at(START), status="done", done_at=at(START))
        goal = GoalFactory(collaborative=collaborative, created_at=at(START))
        review(goal, GoalReview.Outcome.ON_TRACK, START)
        ask_sent(collaborative, START, due_on=END, answered_on=START, organisation=f"Organisation {index}")


@pytest.mark.parametrize("size", [3, 30])
def test_the_same_number_of_queries_however_much_data(collaborative, size, django_assert_num_queries):
    grow(collaborative, size)
    # Meetings, people, payments recorded, people paid, hours (two), actions, goals, asks.
    with django_assert_num_queries(9):
        figures = figures_for(collaborative, START, END)
    assert shown(figures, "people_came") == str(size)
    assert figures.figure("meetings_held").value == size
