"""The directory: everyone by name, showing and counting only what each person shares."""

import html
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Membership, User
from members.views import DIRECTORY_PAGE_SIZE
from tests.caching import nothing_cached
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def url(collaborative, **params):
    query = urlencode(params)
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


def crowd(collaborative, count, perspectives=("carer",), visibility="members"):
    """`count` more members, quickly (bulk inserts), named "Person 000" onwards."""
    users = User.objects.bulk_create(
        User(
            email=f"crowd{n}@example.org",
            display_name=f"Person {n:03d}",
            perspectives=list(perspectives),
            perspectives_visibility=visibility,
        )
        for n in range(count)
    )
    Membership.objects.bulk_create(Membership(user=user, collaborative=collaborative) for user in users)


def names(response) -> list[str]:
    return re.findall(r'/members/\d+/">([^<]+)</a>', response.text)


def page_link(response, label: str) -> str:
    """The query string of the "Next page" or "Previous page" link."""
    return html.unescape(re.search(rf'<a href="\?([^"]*)">{label}</a>', response.text)[1])


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
    assert names(client.get(url(collaborative, q="kit wal"))) == ["Kit Walsh"]


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
    everyone = names(client.get(url(collaborative)))
    assert len(everyone) == 7  # The four at the table, and the member, facilitator and commissioner.

    response = client.get(url(collaborative, perspective="chief"))

    assert response.status_code == 200
    assert names(response) == everyone
    assert "7 people" in response.text
    assert " selected" not in response.text  # The list shows "Everyone", the first choice.


def test_a_search_is_cut_to_100_characters_and_finding_no_one_says_so(client, people, collaborative, table):
    client.force_login(people["member"])
    response = client.get(url(collaborative, q="  " + "x" * 500))

    assert response.status_code == 200
    assert names(response) == []
    assert "0 people" in response.text
    assert "No one matches." in response.text
    assert re.search(r'name="q" id="id_q" value="(x*)"', response.text)[1] == "x" * 100


def test_htmx_gets_only_the_list(client, people, collaborative, table):
    client.force_login(people["member"])
    response = client.get(url(collaborative, q="ade bello"), headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert response.text.strip().startswith('<div id="member-list">')
    assert names(response) == ["Ade Bello"]


def test_the_same_number_of_queries_for_4_members_or_more_than_a_page(client, people, collaborative):
    add(collaborative, "Ann Carer", ["carer"])
    client.force_login(people["member"])

    def count(**params) -> int:
        with nothing_cached(), CaptureQueriesContext(connection) as queries:  # As made, not from the cache.
            assert client.get(url(collaborative, **params)).status_code == 200
        return len(queries.captured_queries)

    few = count(), count(perspective="carer", page=2), count(q="er", perspective="carer")
    crowd(collaborative, DIRECTORY_PAGE_SIZE + 10)
    assert (count(), count(perspective="carer", page=2), count(q="er", perspective="carer")) == few
    assert "Page 1 of 2" in client.get(url(collaborative)).text


def test_more_people_than_a_page_are_shown_a_page_at_a_time(client, people, collaborative):
    crowd(collaborative, DIRECTORY_PAGE_SIZE + 10)  # With the 3 in `people`: 63.
    client.force_login(people["member"])
    first = client.get(url(collaborative))
    second = client.get(url(collaborative, page=2))
    assert len(names(first)) == DIRECTORY_PAGE_SIZE
    assert len(names(second)) == 13
    everyone = names(first) + names(second)
    assert everyone == sorted(everyone, key=str.casefold)
    assert len(set(everyone)) == DIRECTORY_PAGE_SIZE + 13
    assert "63 people, page 1 of 2" in first.text
    assert "63 people, page 2 of 2" in second.text
    assert '<nav aria-label="Pages" class="pagination">' in first.text
    assert "Page 2 of 2" in second.text
    assert page_link(first, "Next page") == "page=2"
    assert page_link(second, "Previous page") == "page=1"
    assert "Next page" not in second.text


def test_one_page_has_no_page_links(client, people, collaborative, table):
    client.force_login(people["member"])
    response = client.get(url(collaborative))
    assert "7 people</p>" in response.text
    assert "Next page" not in response.text
    assert "1 person</p>" in client.get(url(collaborative, q="kit wal")).text


def test_page_links_keep_the_search_and_the_filter(client, people, collaborative, table):
    crowd(collaborative, DIRECTORY_PAGE_SIZE + 10, perspectives=["carer"])
    crowd_of_others = [f"Person {n:03d}" for n in range(DIRECTORY_PAGE_SIZE + 10)]
    client.force_login(people["member"])
    first = client.get(url(collaborative, q="person", perspective="carer"))
    assert "60 people, page 1 of 2" in first.text
    link = page_link(first, "Next page")
    assert link == "q=person&perspective=carer&page=2"
    second = client.get(f"{url(collaborative)}?{link}")
    assert names(first) + names(second) == crowd_of_others  # "zoe Adams" is a carer but not a "person".
    assert page_link(second, "Previous page") == "q=person&perspective=carer&page=1"


def test_a_page_beyond_the_end_gives_the_last_page(client, people, collaborative):
    crowd(collaborative, DIRECTORY_PAGE_SIZE + 10)
    client.force_login(people["member"])
    response = client.get(url(collaborative, page=99))
    assert response.status_code == 200
    assert "page 2 of 2" in response.text
    assert len(names(response)) == 13


@pytest.mark.parametrize("page", ["abc", "-1", "0", "", "1.5", "9" * 5000])
def test_a_bad_page_number_gives_a_page_not_an_error(client, people, collaborative, page):
    crowd(collaborative, DIRECTORY_PAGE_SIZE + 10)
    client.force_login(people["member"])
    response = client.get(url(collaborative, page=page))
    assert response.status_code == 200
    assert len(names(response)) in (DIRECTORY_PAGE_SIZE, 13)  # The first page or the last.


def test_a_perspective_shared_with_nobody_is_not_found_on_any_page(client, people, collaborative):
    crowd(collaborative, DIRECTORY_PAGE_SIZE + 10, perspectives=["commissioner"], visibility="nobody")
    add(collaborative, "Una Shown", ["commissioner"])
    for role in ["member", "facilitator"]:
        client.force_login(people[role])
        response = client.get(url(collaborative, perspective="commissioner"))
        assert names(response) == ["Una Shown"]
        assert "Commissioner (1)" in response.text
        assert "1 person</p>" in response.text


def test_a_member_finds_their_own_perspective_even_when_they_hide_it(client, people, collaborative, table):
    add(collaborative, "Abe Hidden", ["carer"], visibility="nobody")  # Listed before Ravi, hidden like him.
    client.force_login(table["ravi"])  # Ravi shares perspectives with nobody.
    response = client.get(url(collaborative, perspective="carer"))
    assert names(response) == ["Ravi Shah", "zoe Adams"]
    assert "Carer (2)" in response.text


def test_search_ignores_case_in_any_alphabet(client, people, collaborative):
    add(collaborative, "Élodie Durand")
    client.force_login(people["member"])
    assert names(client.get(url(collaborative, q="éLODIE"))) == ["Élodie Durand"]


def test_htmx_gets_the_list_with_its_page_links(client, people, collaborative):
    crowd(collaborative, DIRECTORY_PAGE_SIZE + 10)
    client.force_login(people["member"])
    response = client.get(url(collaborative, q="person", page=2), headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert "60 people, page 2 of 2" in response.text
    assert page_link(response, "Previous page") == "q=person&page=1"


def test_htmx_restoring_history_gets_the_whole_page(client, people, collaborative, table):
    client.force_login(people["member"])
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in client.get(url(collaborative, q="ade bello"), headers=headers).text
