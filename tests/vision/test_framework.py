"""The framework: the five key roles and their statements from Living Well UK, and statements
added, reworded and retired without changing what past rounds were answered with."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import UserFactory
from tests.vision.rounds import close_early, were_members_when_it_opened
from vision.models import LIVING_WELL_UK, KeyRole, Rating, RoundStatement, Statement
from vision.results import results_csv, round_results
from vision.services import (
    DEFAULT_FRAMEWORK,
    answers_save,
    framework_start,
    round_open,
    statement_add,
    statement_retire,
    statement_reword,
)

pytestmark = pytest.mark.django_db

FIRST = "We are clear about our motivation and vision"
REWORDED = "We can all say, in our own words, why we are here"


def statements(collaborative) -> list[Statement]:
    return list(Statement.objects.filter(key_role__collaborative=collaborative))


def open_round(collaborative, facilitator, title="Spring"):
    return round_open(
        collaborative=collaborative, by=facilitator, title=title, closing_day=timezone.localdate() + timedelta(days=7)
    )


def answer_everything(round, users, rating=Rating.STRONG) -> None:
    every = {s.pk: (rating, "") for s in round.statements.all()}
    were_members_when_it_opened(round, users)
    for user in users:
        answers_save(round=round, user=user, answers=every)


def test_a_collaborative_starts_with_five_key_roles_of_five_statements_from_living_well_uk(collaborative):
    framework_start(collaborative=collaborative)

    roles = list(KeyRole.objects.filter(collaborative=collaborative))
    assert [(r.number, r.title) for r in roles] == [
        (1, "Creating, holding and refreshing the vision and values"),
        (2, "Building a movement"),
        (3, "Leading and championing the change process"),
        (4, "Unlocking and releasing capacity"),
        (5, "Holding the wider system to account"),
    ]
    assert roles[3].description == "Securing people's time and permission to participate"
    for role, (_, _, texts) in zip(roles, DEFAULT_FRAMEWORK, strict=True):
        assert [s.text for s in role.statements.all()] == texts
    assert len(statements(collaborative)) == 25
    assert {(s.source, s.status) for s in statements(collaborative)} == {("Living Well UK", Statement.Status.ACTIVE)}
    assert statements(collaborative)[0].text == FIRST


def test_starting_the_framework_twice_changes_nothing(collaborative):
    framework_start(collaborative=collaborative)
    before = [(s.pk, s.text) for s in statements(collaborative)]

    framework_start(collaborative=collaborative)

    assert KeyRole.objects.filter(collaborative=collaborative).count() == 5
    assert [(s.pk, s.text) for s in statements(collaborative)] == before


def test_each_collaborative_has_its_own_framework(collaborative, other_collaborative):
    framework_start(collaborative=collaborative)
    framework_start(collaborative=other_collaborative)
    statement_reword(statement=statements(collaborative)[0], text="Our own words.")

    assert KeyRole.objects.count() == 10
    assert statements(other_collaborative)[0].text == FIRST


def test_a_statement_added_goes_last_under_its_key_role_as_the_collaboratives_own(collaborative):
    framework_start(collaborative=collaborative)
    role = KeyRole.objects.get(collaborative=collaborative, number=2)

    added = statement_add(key_role=role, text="  We listen to people who are not usually asked.  ")

    assert added.text == "We listen to people who are not usually asked."
    assert added.source == ""
    assert added.status == Statement.Status.ACTIVE
    assert list(role.statements.all())[-1] == added
    assert role.statements.count() == 6


def test_a_statement_needs_words(collaborative):
    framework_start(collaborative=collaborative)
    role = KeyRole.objects.get(collaborative=collaborative, number=1)

    with pytest.raises(ValidationError):
        statement_add(key_role=role, text="   ")
    with pytest.raises(ValidationError):
        statement_reword(statement=role.statements.first(), text="")

    assert role.statements.count() == 5


def test_rewording_changes_the_words_and_keeps_the_source(collaborative):
    framework_start(collaborative=collaborative)
    statement = statements(collaborative)[0]
    changed_at = statement.changed_at

    statement_reword(statement=statement, text=f"  {REWORDED} ")

    statement.refresh_from_db()
    assert (statement.text, statement.source) == (REWORDED, LIVING_WELL_UK)
    assert statement.changed_at > changed_at


def test_a_retired_statement_can_be_brought_back(collaborative):
    framework_start(collaborative=collaborative)
    statement = statements(collaborative)[0]

    statement_retire(statement=statement)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.RETIRED

    statement_retire(statement=statement, retire=False)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.ACTIVE


def test_a_round_asks_every_statement_in_use_in_order_with_its_words_then(collaborative, facilitator):
    round = open_round(collaborative, facilitator)

    asked = list(round.statements.select_related("key_role"))
    assert [s.text for s in asked] == [text for _, _, texts in DEFAULT_FRAMEWORK for text in texts]
    assert [s.position for s in asked] == list(range(25))
    assert [s.key_role.number for s in asked] == [n for n in range(1, 6) for _ in range(5)]
    assert all(s.text == s.statement.text for s in asked)


def test_a_reworded_statement_keeps_old_results_under_the_old_wording(collaborative, facilitator):
    respondents = UserFactory.create_batch(5)
    old = open_round(collaborative, facilitator, "Spring")
    answer_everything(old, respondents, Rating.GETTING_THERE)
    old = close_early(old, facilitator)

    statement_reword(statement=statements(collaborative)[0], text=REWORDED)

    asked = RoundStatement.objects.get(round=old, position=0)
    assert asked.text == FIRST
    results = round_results(old)
    assert results.shown
    first = results.key_roles[0].statements[0]
    assert (first.text, first.shown, first.tally.counts[Rating.GETTING_THERE]) == (FIRST, True, 5)
    assert FIRST in results_csv(results)
    assert REWORDED not in results_csv(results)

    new = open_round(collaborative, facilitator, "Autumn")
    assert new.statements.get(position=0).text == REWORDED
    assert new.statements.get(position=0).statement == asked.statement
    assert round_results(new).key_roles[0].statements[0].text == REWORDED


def test_rewording_during_an_open_round_leaves_that_rounds_words_alone(collaborative, facilitator):
    round = open_round(collaborative, facilitator)

    statement_reword(statement=statements(collaborative)[0], text=REWORDED)

    assert round.statements.get(position=0).text == FIRST


def test_a_retired_statement_is_left_out_of_new_rounds_but_stays_in_old_ones(collaborative, facilitator):
    respondents = UserFactory.create_batch(5)
    old = open_round(collaborative, facilitator, "Spring")
    answer_everything(old, respondents)
    old = close_early(old, facilitator)

    statement_retire(statement=statements(collaborative)[0])

    assert old.statements.count() == 25
    assert round_results(old).key_roles[0].statements[0].text == FIRST
    new = open_round(collaborative, facilitator, "Autumn")
    assert new.statements.count() == 24
    assert FIRST not in [s.text for s in new.statements.all()]
    assert [len(role.statements) for role in round_results(new).key_roles] == [4, 5, 5, 5, 5]


def test_a_statement_added_is_asked_in_the_next_round_only(collaborative, facilitator):
    old = open_round(collaborative, facilitator, "Spring")
    old = close_early(old, facilitator)

    added = statement_add(key_role=KeyRole.objects.get(collaborative=collaborative, number=1), text="We listen first.")

    new = open_round(collaborative, facilitator, "Autumn")
    assert not old.statements.filter(statement=added).exists()
    assert [s.text for s in new.statements.filter(key_role__number=1)][-1] == "We listen first."
    assert new.statements.count() == 26


def test_no_round_opens_once_every_statement_is_retired(collaborative, facilitator):
    framework_start(collaborative=collaborative)
    for statement in statements(collaborative):
        statement_retire(statement=statement)

    with pytest.raises(ValidationError, match="Every statement has been retired"):
        open_round(collaborative, facilitator)

    assert not collaborative.rounds.exists()
