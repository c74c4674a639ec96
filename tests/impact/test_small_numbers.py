"""The voices that shaped the vision, on the public page: no count below 3, and no breakdown from which a small
group could be worked out."""

import pytest
from django.test import Client

from impact.selectors import VoicesShown, voices_shown
from impact.services import publication_publish
from tests.impact.rows import adopted_vision


def voices(people: int, perspectives: dict, *, not_shared: int = 0, lived: int = 0) -> dict:
    return {"people": people, "perspectives": perspectives, "not_shared": not_shared, "lived": lived}


def test_big_groups_show_their_numbers():
    shown = voices_shown(voices(12, {"lived_experience": 5, "carer": 4, "practitioner": 3}, lived=9))
    assert shown == VoicesShown(
        people="12",
        lines=[("Lived experience of services", "5"), ("Carer", "4"), ("Practitioner", "3")],
        lived="9",
    )


def test_fewer_than_three_people_in_all_show_no_breakdown():
    assert voices_shown(voices(2, {"carer": 2}, lived=2)) == VoicesShown(people="fewer than 3")
    assert voices_shown({}) is None


def test_small_perspectives_are_put_together_and_the_total_hidden_when_it_would_give_them_away():
    # One commissioner among nine carers: "10 people, 9 carers" would point at them.
    shown = voices_shown(voices(10, {"carer": 9, "commissioner": 1}, lived=9))
    assert shown.people == ""
    assert shown.lines == [("Carer", "9"), ("Other perspectives, put together", "fewer than 3")]
    assert "Commissioner" not in str(shown)
    # Nor the one person without lived experience, by 10 less 9.
    assert shown.lived == ""


def test_small_groups_that_together_reach_three_show_their_number_and_the_total():
    shown = voices_shown(voices(9, {"carer": 6, "commissioner": 1, "manager": 2}, lived=6))
    assert shown.people == "9"
    assert shown.lines[-1] == ("Other perspectives, put together", "3")
    assert shown.merged
    assert shown.lived == "6"


def test_those_who_did_not_share_count_as_a_small_group_too():
    shown = voices_shown(voices(7, {"carer": 6}, not_shared=1, lived=6))
    assert shown.people == ""
    assert shown.lines == [("Carer", "6"), ("Other perspectives, put together", "fewer than 3")]


@pytest.mark.django_db
def test_the_public_page_keeps_to_the_rule_and_says_so(collaborative, facilitator):
    collaborative.is_public = True
    collaborative.save()
    version = adopted_vision(collaborative, voices=voices(10, {"carer": 9, "commissioner": 1}, lived=9))
    publication = publication_publish(
        collaborative=collaborative, by=facilitator, kind="vision", vision_version=version, title="Our vision"
    )
    page = Client().get(publication.get_absolute_url()).content.decode()
    assert "Carer: 9" in page
    assert "Other perspectives, put together: fewer than 3" in page
    assert "Commissioner" not in page
    assert "<strong>10</strong>" not in page
    assert "we never show a count below 3" in page
    assert "Equal voices" in page
