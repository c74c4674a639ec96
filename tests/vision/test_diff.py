"""What changed between versions of the vision: the statement word by word, the values by name."""

import pytest

from vision.diff import Piece, ValueChange, values_diff, word_diff
from vision.models import VisionVersion
from vision.services import version_adopt, version_draft


def changed(pieces: list[Piece], change: str) -> list[str]:
    return [piece.text for piece in pieces if piece.change == change]


def test_the_same_text_is_one_unchanged_piece():
    assert word_diff("We listen first.", "We listen first.") == [Piece("same", "We listen first.")]


def test_words_added_and_removed_are_marked_and_the_rest_kept():
    pieces = word_diff("Help is easy to get.", "Help is easy to find and get.")

    assert pieces == [Piece("same", "Help is easy to "), Piece("added", "find and "), Piece("same", "get.")]


def test_a_replaced_word_is_shown_removed_then_added():
    pieces = word_diff("We listen first.", "We act first.")

    assert pieces == [Piece("same", "We "), Piece("removed", "listen"), Piece("added", "act"), Piece("same", " first.")]


def test_joining_the_pieces_gives_back_each_text_exactly():
    old = "Help is easy to get,\nwhere and when   people need it."
    new = "Help is near,\nwhen and where people need it, and kind."
    pieces = word_diff(old, new)

    assert "".join(p.text for p in pieces if p.change != "added") == old
    assert "".join(p.text for p in pieces if p.change != "removed") == new


def test_from_nothing_everything_is_added():
    assert word_diff("", "We listen.") == [Piece("added", "We listen.")]
    assert word_diff("We listen.", "") == [Piece("removed", "We listen.")]


@pytest.fixture
def three_versions(collaborative, facilitator) -> list[VisionVersion]:
    """Three versions drafted and adopted in turn, each changing the one before."""
    texts = [
        (
            "Help is easy to get where and when people need it.",
            [("Equal voices", "Everyone counts."), ("Hope", "Change is possible."), ("Honesty", "We say what we see.")],
        ),
        (
            "Help is easy to get where and when people need it, close to home.",
            [
                ("Equal voices", "Everyone counts."),
                ("hope", "Change is possible, together."),
                ("Honesty", "We say what we see."),
            ],
        ),
        (
            "Help is near, where and when people need it, close to home and kind.",
            [
                ("HOPE", "Change is possible, together, now."),
                ("Equal voices", "Everyone counts."),
                ("Courage", "We try new things."),
            ],
        ),
    ]
    versions = []
    for statement, values in texts:
        version = version_draft(collaborative=collaborative, by=facilitator, statement=statement, values=values)
        versions.append(version_adopt(version=version, by=facilitator))
    return versions


@pytest.mark.django_db
def test_three_versions_are_kept_and_each_is_based_on_the_one_before(collaborative, three_versions):
    first, second, third = three_versions

    assert [v.number for v in three_versions] == [1, 2, 3]
    assert (first.based_on, second.based_on, third.based_on) == (None, first, second)
    assert VisionVersion.objects.current_for(collaborative) == third
    assert VisionVersion.objects.filter(collaborative=collaborative).adopted().count() == 3


@pytest.mark.django_db
def test_comparing_the_first_and_third_versions_shows_words_removed_and_added(three_versions):
    first, _, third = three_versions

    pieces = word_diff(first.statement, third.statement)

    assert pieces == [
        Piece("same", "Help is "),
        Piece("removed", "easy to get"),
        Piece("added", "near,"),
        Piece("same", " where and when people need "),
        Piece("removed", "it."),
        Piece("added", "it, close to home and kind."),
    ]


@pytest.mark.django_db
def test_comparing_neighbouring_versions_shows_only_their_change(three_versions):
    first, second, _ = three_versions

    pieces = word_diff(first.statement, second.statement)

    assert changed(pieces, "removed") == ["it."]
    assert changed(pieces, "added") == ["it, close to home."]


@pytest.mark.django_db
def test_values_are_matched_by_name_whatever_the_case(three_versions):
    first, second, third = three_versions

    between_first_and_second = values_diff(first, second)

    assert [(c.name, c.change) for c in between_first_and_second] == [
        ("Equal voices", "same"),
        ("hope", "changed"),
        ("Honesty", "same"),
    ]
    hope = between_first_and_second[1]
    assert changed(hope.meaning, "removed") == ["possible."]
    assert changed(hope.meaning, "added") == ["possible, together."]
    assert [c.change for c in values_diff(second, third)] == ["changed", "same", "added", "removed"]


@pytest.mark.django_db
def test_values_added_and_removed_between_the_first_and_third_versions(three_versions):
    first, _, third = three_versions

    changes = values_diff(first, third)

    # In the newer version's order, then the values it dropped.
    assert [(c.name, c.change) for c in changes] == [
        ("HOPE", "changed"),
        ("Equal voices", "same"),
        ("Courage", "added"),
        ("Honesty", "removed"),
    ]
    assert changes[2] == ValueChange("Courage", "added", [Piece("added", "We try new things.")])
    assert changes[3] == ValueChange("Honesty", "removed", [Piece("removed", "We say what we see.")])
    assert changes[1].meaning == [Piece("same", "Everyone counts.")]
    assert changed(changes[0].meaning, "added") == ["possible, together, now."]
