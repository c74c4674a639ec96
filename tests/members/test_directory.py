"""The directory: everyone by name, showing and counting only what each person shares."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Membership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def url(collaborative, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("members:directory", kwargs={"slug": collaborative.slug}) + (f"?{query}" if query else "")


def add(collaborative, name, perspectives=(), visibility="members", **user):
    return MembershipFactory(
        collaborative=collaborative,
        user__display_name=name,
        user__perspectives=list(perspectives),
        user__perspectives_visibility=visibility,
        **{f"user__{key}": value for key, value in user.items()},
    ).user


@pytest.fixture
def table(collaborative):
    return {
        "zoe": add(collaborative, "zoe Adams", ["carer"]),
        "ade": add(
            collaborative, "Ade Bello", ["manager"], job_title="Chief Executive", job_title_visibility="members"
        ),
        "kit": add(collaborative, "Kit Walsh", ["carer", "lived_experience"], visibility="facilitators"),
        "ravi": add(collaborative, "Ravi Shah", ["carer"], visibility="nobody"),
    }


def names(response) -> list[str]:
    return re.findall(r'/members/\d+/">([^<]+)</a>', response.text)


def test_everyone_by_name_without_titles_or_roles(client, people, collaborative, table):
    client.force_login(people["member"])
    response = client.get(url(collaborative))
    assert response.status_code == 200
    listed = names(response)
    assert listed == sorted(listed, key=str.casefold)
    assert {"Ade Bello", "Kit Walsh", "Ravi Shah", "zoe Adams"} <= set(listed)
    assert "Chief Executive" not in response.text  # Job titles are not in the directory.
    assert "Facilitator" not in response.text.split('id="member-list"')[1]


def test_search_by_name(client, people, collaborative, table):
    client.force_login(people["member"])
    assert names(client.get(url(collaborative, q="wal"))) == ["Kit Walsh"]


def test_a_member_counts_and_finds_only_shared_perspectives(client, people, collaborative, table):
    client.force_login(people["member"])
    response = client.get(url(collaborative, perspective="carer"))
    assert names(response) == ["zoe Adams"]  # Kit shares with facilitators only; Ravi with nobody.
    assert "Carer (1)" in response.text
    assert "Lived experience of services (0)" in response.text


def test_a_facilitator_also_counts_what_is_shared_with_facilitators(client, people, collaborative, table):
    client.force_login(people["facilitator"])
    response = client.get(url(collaborative, perspective="carer"))
    assert names(response) == ["Kit Walsh", "zoe Adams"]
    assert "Carer (2)" in response.text


def test_people_who_left_are_not_listed(client, people, collaborative, table):
    Membership.objects.filter(user=table["ade"]).update(status=Membership.Status.LEFT, left_at="2026-01-01T10:00Z")
    client.force_login(people["member"])
    assert "Ade Bello" not in names(client.get(url(collaborative)))


def test_bad_filters_show_everyone_without_an_error(client, people, collaborative, table):
    client.force_login(people["member"])
    response = client.get(url(collaborative, perspective="chief", q="x" * 500))
    assert response.status_code == 200


def test_htmx_gets_only_the_list(client, people, collaborative, table):
    client.force_login(people["member"])
    response = client.get(url(collaborative, q="ade"), headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert response.text.strip().startswith('<div id="member-list">')
    assert names(response) == ["Ade Bello"]


def test_the_same_number_of_queries_for_5_or_40_members(client, people, collaborative):
    client.force_login(people["member"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(collaborative)).status_code == 200
        return len(queries.captured_queries)

    few = count()
    for n in range(35):
        add(collaborative, f"Person {n}", ["carer"])
    assert count() == few
