"""Attendance over time: per meeting and perspective, per member, and on "Who's at the table"."""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Attendance, Meeting
from members.models import Perspective, Visibility
from tests.factories import MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def past_meeting(collaborative, days_ago: int) -> Meeting:
    start = timezone.now() - timedelta(days=days_ago)
    return MeetingFactory(collaborative=collaborative, starts_at=start, ends_at=start + timedelta(hours=2))


def came(meeting, *people) -> None:
    for person in people:
        Attendance.objects.create(meeting=meeting, user=person)


def carer(collaborative):
    return MembershipFactory(collaborative=collaborative, user__perspectives=[Perspective.CARER]).user


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_per_meeting_counts_hide_small_groups_and_per_member_counts_show_names(client, people, collaborative):
    carers = [carer(collaborative) for _ in range(3)]
    hidden = MembershipFactory(
        collaborative=collaborative,
        user__perspectives=[Perspective.CARER],
        user__perspectives_visibility=Visibility.NOBODY,
        user__display_name="Zed Hidden",
    ).user
    older, newer = past_meeting(collaborative, 40), past_meeting(collaborative, 10)
    came(older, carers[0], hidden)
    came(newer, *carers, hidden)
    client.force_login(people["facilitator"])
    response = client.get(reverse("meetings:attendance", kwargs={"slug": "lambeth"}))
    assert response.status_code == 200
    page = text(response)
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    newest = rows[0]
    # Four came to the newer meeting; three share "carer" (the fourth hides it), so 3 is shown.
    assert '<td data-label="Members who came">4</td>' in newest
    assert newest.count('">3</td>') == 1
    assert '<td data-label="Members who came">2</td>' in rows[1]  # Two came to the older one ...
    assert '">1</td>' not in rows[1]  # ... and its one sharing carer shows as "fewer than 3",
    assert '<td data-label="Carer">fewer than 3</td>' in rows[1]
    assert '">none</td>' in rows[1]  # ... and a perspective nobody there shares as "none" (issue 15).
    assert "Zed Hidden" in page
    assert "2 of 2" in page


def test_members_and_commissioners_cannot_see_it(client, people):
    for role in ("member", "commissioner"):
        client.force_login(people[role])
        assert client.get(reverse("meetings:attendance", kwargs={"slug": "lambeth"})).status_code == 403


def test_the_same_number_of_queries_for_few_or_many_meetings_and_members(client, people, collaborative):
    client.force_login(people["facilitator"])
    url = reverse("meetings:attendance", kwargs={"slug": "lambeth"})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    came(past_meeting(collaborative, 5), people["member"])
    few = queries()
    extra = [MembershipFactory(collaborative=collaborative).user for _ in range(20)]
    for days in range(10, 130, 10):
        came(past_meeting(collaborative, days), *extra)
    assert queries() == few


def test_whos_at_the_table_shows_the_perspectives_of_those_who_came(client, people, collaborative):
    carers = [carer(collaborative) for _ in range(3)]
    came(past_meeting(collaborative, 10), *carers)
    client.force_login(people["member"])
    page = text(client.get(reverse("home:at_the_table", kwargs={"slug": "lambeth"})))
    section = page.split("Perspectives of those who came to the last 6 meetings")[-1]
    assert '<th scope="row">Carer</th><td data-label="People who came">3</td>' in section
