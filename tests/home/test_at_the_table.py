"""Who's at the table: counts from shared data only, small groups never shown as numbers."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def add(collaborative, perspectives, visibility="members", organisation_type="", org_visibility="members"):
    MembershipFactory(
        collaborative=collaborative,
        user__perspectives=perspectives,
        user__perspectives_visibility=visibility,
        user__organisation_type=organisation_type,
        user__organisation_visibility=org_visibility,
    )


def row(response, label) -> str:
    """The table's cell for a row label."""
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td>([^<]*)</td>", response.text)
    assert match, label
    return match.group(1)


@pytest.fixture
def page(client, people, collaborative):
    def view(role="member"):
        client.force_login(people[role])
        return client.get(reverse("home:at_the_table", kwargs={"slug": collaborative.slug}))

    return view


def test_counts_of_three_or_more_are_shown_and_smaller_ones_are_not(page, collaborative):
    for _ in range(4):
        add(collaborative, ["carer"], organisation_type="voluntary")
    for _ in range(2):
        add(collaborative, ["lived_experience"])
    response = page()
    assert response.status_code == 200
    assert row(response, "Carer") == "4"
    assert row(response, "Lived experience of services") == "fewer than 3"
    assert row(response, "Commissioner") == "fewer than 3"
    assert row(response, "Voluntary or community organisation") == "4"
    assert 'role="img"' in response.text


def test_only_what_people_share_with_the_viewer_is_counted(page, collaborative):
    for _ in range(3):
        add(
            collaborative,
            ["carer"],
            visibility="facilitators",
            organisation_type="primary_care",
            org_visibility="nobody",
        )
    member_view = page("member")
    assert row(member_view, "Carer") == "fewer than 3"
    assert row(member_view, "Primary care") == "fewer than 3"
    facilitator_view = page("facilitator")
    assert row(facilitator_view, "Carer") == "3"
    assert row(facilitator_view, "Primary care") == "fewer than 3"  # "Nobody" means nobody.


def test_the_same_number_of_queries_for_few_or_many_members(page, collaborative):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert page().status_code == 200
        return len(queries.captured_queries)

    page()  # The first visit also starts the session.
    few = count()
    for _ in range(30):
        add(collaborative, ["carer", "practitioner"], organisation_type="social_care")
    assert count() == few
