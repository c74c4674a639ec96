"""Who's at the table: counts from shared data only, small groups never shown as numbers."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Attendance
from members.models import Membership
from tests.factories import MeetingFactory, MembershipFactory

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
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td[^>]*>([^<]*)</td>", response.text)
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
    # Nobody at all picks no one out: it says so, rather than "fewer than 3" (issue 15).
    assert row(response, "Commissioner") == "none"
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
    assert row(member_view, "Carer") == "none"
    assert row(member_view, "Primary care") == "none"
    facilitator_view = page("facilitator")
    assert row(facilitator_view, "Carer") == "3"
    assert row(facilitator_view, "Primary care") == "none"  # "Nobody" means nobody.


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


def test_the_viewer_counts_their_own_perspectives_and_organisation_even_when_they_hide_them(
    client, people, collaborative
):
    for _ in range(2):
        add(collaborative, ["carer"], organisation_type="voluntary")
    viewer = people["member"]
    viewer.perspectives, viewer.perspectives_visibility = ["carer"], "nobody"
    viewer.organisation_type, viewer.organisation_visibility = "voluntary", "nobody"
    viewer.save()
    client.force_login(viewer)
    response = client.get(reverse("home:at_the_table", kwargs={"slug": collaborative.slug}))
    assert row(response, "Carer") == "3"
    assert row(response, "Voluntary or community organisation") == "3"
    client.force_login(people["facilitator"])
    response = client.get(reverse("home:at_the_table", kwargs={"slug": collaborative.slug}))
    assert row(response, "Carer") == "fewer than 3"  # "Nobody" means nobody else, facilitators too.


def test_who_came_counts_those_at_the_last_six_meetings_by_what_they_share(page, collaborative):
    now = timezone.now()
    meetings = [
        MeetingFactory(collaborative=collaborative, starts_at=now - timedelta(days=30 * n)) for n in range(1, 8)
    ]
    came = {
        "recent": ([meetings[0], meetings[5]], "members"),  # Counted once, though at two meetings.
        "recent, hidden": ([meetings[1]], "nobody"),
        "only long ago": ([meetings[6]], "members"),  # The seventh meeting back.
    }
    for _ in range(3):
        for at, visibility in came.values():
            add(collaborative, ["practitioner"], visibility)
            user = Membership.objects.filter(collaborative=collaborative).latest("pk").user
            Attendance.objects.bulk_create(Attendance(meeting=meeting, user=user) for meeting in at)
    response = page()
    section = response.text.split('id="attended-heading"')[1]
    assert re.search(r'<th scope="row">Practitioner</th><td[^>]*>3</td>', section)
    assert row(response, "Practitioner") == "6"  # Everyone who shares it, at meetings or not.
