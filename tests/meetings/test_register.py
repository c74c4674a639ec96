"""The register: from the day of the meeting, facilitators tap each member who came (htmx,
or the plain form without JavaScript) and give a count of guests. Only current members can be
marked, only facilitators take it, and the page costs the same queries however many members."""

import html
import re
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Attendance, Meeting
from meetings.services import meeting_cancel
from members.models import Collaborative, Membership, User
from members.services import membership_leave
from tests.factories import MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db

CLOSED = "The register opens on the day of the meeting."
BAD_GUESTS = "Give the number of guests as a whole number from 0 to 1000."


def local_midnight(collaborative: Collaborative, days: int = 0) -> datetime:
    zone = ZoneInfo(collaborative.time_zone)
    return datetime.combine(timezone.localdate(timezone.now(), zone) + timedelta(days=days), clock(0), zone)


def meeting_today(collaborative: Collaborative, **overrides) -> Meeting:
    """A meeting that started earlier today (Collaborative time) and is still going."""
    now = timezone.now()
    start = max(now - timedelta(hours=1), local_midnight(collaborative))
    return MeetingFactory(collaborative=collaborative, starts_at=start, ends_at=now + timedelta(hours=1), **overrides)


def text(response) -> str:
    return html.unescape(response.content.decode())


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def register_url(meeting: Meeting) -> str:
    return reverse("meetings:register", kwargs={"slug": meeting.collaborative.slug, "pk": meeting.pk})


def mark_url(meeting: Meeting, user: User | int) -> str:
    user_pk = user if isinstance(user, int) else user.pk
    return reverse(
        "meetings:register_mark", kwargs={"slug": meeting.collaborative.slug, "pk": meeting.pk, "user_pk": user_pk}
    )


def guests_url(meeting: Meeting) -> str:
    return reverse("meetings:register_guests", kwargs={"slug": meeting.collaborative.slug, "pk": meeting.pk})


def words(body: str) -> str:
    """The text of some HTML, as a screen reader would join it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))


def pressed(body: str) -> dict[str, str]:
    """Each row's person id and its button's aria-pressed, in page order."""
    return dict(re.findall(r'<li id="person-(\d+)".*?aria-pressed="(true|false)"', body, re.S))


HTMX = {"HX-Request": "true"}


@pytest.fixture
def meeting(collaborative) -> Meeting:
    return meeting_today(collaborative)


# Before the day


def test_before_the_day_the_register_says_when_it_opens(facilitator_client, collaborative):
    tomorrow = MeetingFactory(
        collaborative=collaborative, starts_at=local_midnight(collaborative, 1) + timedelta(hours=10)
    )
    response = facilitator_client.get(register_url(tomorrow))
    assert response.status_code == 200
    assert CLOSED in text(response)
    assert "aria-pressed" not in text(response)
    assert "Save the number of guests" not in text(response)


def test_before_the_day_a_tap_saves_nothing_and_says_why(facilitator_client, collaborative, member):
    future = MeetingFactory(collaborative=collaborative)  # A week from now.

    response = facilitator_client.post(mark_url(future, member), {"attended": "1"})
    assert response.status_code == 302
    assert response.url == f"{register_url(future)}#person-{member.pk}"
    assert flash(response) == [CLOSED]

    response = facilitator_client.post(mark_url(future, member), {"attended": "1"}, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in text(response)
    assert f'<span class="error" role="alert">{CLOSED}</span>' in text(response)
    assert pressed(text(response)) == {str(member.pk): "false"}

    response = facilitator_client.post(guests_url(future), {"guests": "4"})
    assert flash(response)[-1] == CLOSED
    future.refresh_from_db()
    assert future.guests == 0
    assert not Attendance.objects.exists()


def test_the_register_opens_on_the_morning_of_the_meeting_before_it_starts(facilitator_client, collaborative, member):
    now = timezone.now()
    later_today = now + (local_midnight(collaborative, 1) - now) / 2
    meeting = MeetingFactory(
        collaborative=collaborative, starts_at=later_today, ends_at=later_today + timedelta(hours=1)
    )
    assert not meeting.has_started
    facilitator_client.post(mark_url(meeting, member), {"attended": "1"})
    assert Attendance.objects.get().user == member


def test_a_cancelled_meetings_register_stays_closed(facilitator_client, meeting, facilitator, member):
    meeting_cancel(meeting=meeting, by=facilitator)
    facilitator_client.post(mark_url(meeting, member), {"attended": "1"})
    facilitator_client.post(guests_url(meeting), {"guests": "2"})
    assert not Attendance.objects.exists()
    assert Meeting.objects.get(pk=meeting.pk).guests == 0


# One tap


def test_one_tap_marks_someone_as_having_come_and_another_undoes_it(facilitator_client, meeting, member, facilitator):
    response = facilitator_client.post(mark_url(meeting, member), {"attended": "1"})
    attendance = Attendance.objects.get()
    assert (attendance.meeting, attendance.user, attendance.attended, attendance.marked_by) == (
        meeting,
        member,
        True,
        facilitator,
    )
    assert flash(response) == []

    facilitator_client.post(mark_url(meeting, member), {"attended": "0"})
    attendance = Attendance.objects.get()  # Still one row: the tap changed it.
    assert (attendance.attended, attendance.marked_by) == (False, facilitator)


def test_the_same_tap_twice_keeps_one_row(facilitator_client, meeting, member):
    for _ in range(2):
        facilitator_client.post(mark_url(meeting, member), {"attended": "1"})
    assert Attendance.objects.filter(meeting=meeting, user=member, attended=True).count() == 1


def test_a_tap_records_who_marked_it_last(client, meeting, member, collaborative, facilitator):
    other = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    client.force_login(facilitator)
    client.post(mark_url(meeting, member), {"attended": "1"})
    client.force_login(other)
    client.post(mark_url(meeting, member), {"attended": "1"})
    assert Attendance.objects.get().marked_by == other


def test_without_javascript_a_tap_goes_back_to_the_persons_row(facilitator_client, meeting, member):
    response = facilitator_client.post(mark_url(meeting, member), {"attended": "1"})
    assert response.status_code == 302
    assert response.url == f"{register_url(meeting)}#person-{member.pk}"


def test_without_javascript_a_tap_keeps_the_number_of_guests_typed(facilitator_client, meeting, member):
    response = facilitator_client.post(mark_url(meeting, member), {"attended": "1", "guests": "4"})
    page = text(response)
    assert response.status_code == 200
    assert "The number of guests you typed is not saved yet: press “Save the number of guests”." in page
    assert re.search(r'<input type="number" name="guests" value="4"', page)
    assert Attendance.objects.get().attended is True
    assert Meeting.objects.get(pk=meeting.pk).guests == 0


def test_with_htmx_only_the_row_comes_back_pressed(facilitator_client, meeting, member):
    response = facilitator_client.post(mark_url(meeting, member), {"attended": "1"}, headers=HTMX)
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert body.strip().startswith(f'<li id="person-{member.pk}" class="register-row">')
    assert body.strip().endswith("</li>")
    assert '<span id="came-count" data-hx-swap-oob="true">1</span>' in body  # The count above follows.
    assert body.count("<li") == 1
    assert pressed(body) == {str(member.pk): "true"}
    assert 'name="attended" value="0"' in body  # The next tap undoes it.
    assert f'aria-label="Came: {member.display_name}"' in body
    assert f'data-hx-post="{mark_url(meeting, member)}"' in body
    assert f'form="register-form" formaction="{mark_url(meeting, member)}"' in body  # A real form beside data-hx-post.

    response = facilitator_client.post(mark_url(meeting, member), {"attended": "0"}, headers=HTMX)
    body = text(response)
    assert pressed(body) == {str(member.pk): "false"}
    assert 'name="attended" value="1"' in body
    assert 'role="alert"' not in body
    assert Attendance.objects.get().attended is False


def test_the_register_lists_every_current_member_by_name_with_who_came(facilitator_client, meeting, collaborative):
    ana = MembershipFactory(collaborative=collaborative, user__display_name="ana Lee").user  # Order ignores case.
    ben = MembershipFactory(collaborative=collaborative, user__display_name="Ben Cho").user
    left = MembershipFactory(collaborative=collaborative, user__display_name="Left Person")
    membership_leave(membership=left)
    facilitator_client.post(mark_url(meeting, ben), {"attended": "1"})
    facilitator_client.post(mark_url(meeting, ana), {"attended": "1"})
    facilitator_client.post(mark_url(meeting, ana), {"attended": "0"})

    body = text(facilitator_client.get(register_url(meeting)))

    current = Membership.objects.filter(collaborative=collaborative, status=Membership.Status.ACTIVE)
    by_name = sorted(current, key=lambda membership: (membership.user.display_name.lower(), membership.pk))
    rows = pressed(body)
    assert [int(pk) for pk in rows] == [membership.user_id for membership in by_name]
    assert len(rows) == 5  # ana, Ben and the member, facilitator and commissioner; not the one who left.
    assert rows[str(ben.pk)] == "true"
    assert rows[str(ana.pk)] == "false"
    assert "Left Person" not in body
    assert "1 marked so far." in words(body)


# Guests


@pytest.mark.parametrize("guests", ["0", "3", "1000"])
def test_the_number_of_guests_is_saved(facilitator_client, meeting, guests):
    response = facilitator_client.post(guests_url(meeting), {"guests": guests})
    assert response.status_code == 302
    assert response.url == register_url(meeting)
    assert flash(response) == ["The number of guests is saved."]
    assert Meeting.objects.get(pk=meeting.pk).guests == int(guests)


@pytest.mark.parametrize("guests", ["-1", "1001", "two", "2.5", "", None])
def test_a_number_of_guests_that_is_not_a_whole_number_up_to_1000_is_explained(facilitator_client, meeting, guests):
    Meeting.objects.filter(pk=meeting.pk).update(guests=2)
    response = facilitator_client.post(guests_url(meeting), {} if guests is None else {"guests": guests})
    assert response.status_code == 302
    assert flash(response) == [BAD_GUESTS]
    assert Meeting.objects.get(pk=meeting.pk).guests == 2


def test_the_register_and_the_meeting_page_count_members_and_guests(client, meeting, member, facilitator):
    client.force_login(facilitator)
    client.post(mark_url(meeting, member), {"attended": "1"})
    client.post(mark_url(meeting, facilitator), {"attended": "1"})
    client.post(guests_url(meeting), {"guests": "1"})
    page = text(client.get(register_url(meeting)))
    assert "2 marked so far, and 1 guest." in words(page)
    assert re.search(r'<input type="number" name="guests" value="1"', page)  # The box shows the count.
    client.force_login(member)
    assert "2 members came, and 1 guest." in text(client.get(meeting.get_absolute_url()))


# Who can be marked


def test_only_current_members_can_be_marked(facilitator_client, meeting, collaborative, people):
    left = MembershipFactory(collaborative=collaborative)
    membership_leave(membership=left)
    deactivated = MembershipFactory(collaborative=collaborative).user
    deactivated.is_active = False
    deactivated.save()
    nobody = User.objects.order_by("-pk").first().pk + 1000
    for user in [people["outsider"], left.user, deactivated, nobody]:
        assert facilitator_client.post(mark_url(meeting, user), {"attended": "1"}).status_code == 404
        assert facilitator_client.post(mark_url(meeting, user), {"attended": "1"}, headers=HTMX).status_code == 404
    assert not Attendance.objects.exists()


def test_another_collaboratives_meeting_is_not_found(facilitator_client, other_collaborative, member):
    theirs = meeting_today(other_collaborative)
    assert facilitator_client.get(register_url(theirs)).status_code == 404
    assert facilitator_client.post(mark_url(theirs, member), {"attended": "1"}).status_code == 404
    assert facilitator_client.post(guests_url(theirs), {"guests": "1"}).status_code == 404
    assert not Attendance.objects.exists()


# Who can take the register


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("commissioner", 403), ("outsider", 404)])
def test_only_facilitators_take_the_register(client, people, meeting, role, status):
    client.force_login(people[role])
    assert client.get(register_url(meeting)).status_code == status
    assert client.post(mark_url(meeting, people["member"]), {"attended": "1"}).status_code == status
    assert client.post(mark_url(meeting, people["member"]), {"attended": "1"}, headers=HTMX).status_code == status
    assert client.post(guests_url(meeting), {"guests": "5"}).status_code == status
    assert not Attendance.objects.exists()
    assert Meeting.objects.get(pk=meeting.pk).guests == 0


def test_anonymous_people_are_sent_to_sign_in(client, meeting, member):
    login = reverse("account_login")
    for response in [
        client.get(register_url(meeting)),
        client.post(mark_url(meeting, member), {"attended": "1"}),
        client.post(guests_url(meeting), {"guests": "1"}),
    ]:
        assert response.status_code == 302
        assert response.url.startswith(f"{login}?next=")
    assert not Attendance.objects.exists()


def test_marking_and_guests_take_only_post(facilitator_client, meeting, member):
    assert facilitator_client.get(mark_url(meeting, member)).status_code == 405
    assert facilitator_client.get(guests_url(meeting)).status_code == 405


# Queries


def add_members(collaborative: Collaborative, how_many: int, meeting: Meeting) -> None:
    """`how_many` members more, made in bulk; every other one marked as having come."""
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"register{start + n}@example.org", display_name=f"Person {start + n:03}") for n in range(how_many)
    )
    Membership.objects.bulk_create(Membership(user=user, collaborative=collaborative) for user in users)
    Attendance.objects.bulk_create(Attendance(meeting=meeting, user=user, attended=True) for user in users[::2])


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_register_takes_the_same_queries_for_5_members_as_for_50(facilitator_client, meeting, collaborative):
    add_members(collaborative, 1, meeting)  # With the member, facilitator and commissioner: 4, and one more below.
    add_members(collaborative, 1, meeting)
    assert Membership.objects.filter(collaborative=collaborative).count() == 5
    few = queries_for(facilitator_client, register_url(meeting))
    add_members(collaborative, 45, meeting)
    assert Membership.objects.filter(collaborative=collaborative).count() == 50
    assert queries_for(facilitator_client, register_url(meeting)) == few
    assert len(pressed(text(facilitator_client.get(register_url(meeting))))) == 50


def test_without_javascript_a_tap_after_a_search_goes_back_to_the_same_search(facilitator_client, meeting, member):
    response = facilitator_client.post(mark_url(meeting, member), {"attended": "1", "q": "ana lee"})
    assert response.status_code == 302
    assert response.url == f"{register_url(meeting)}?q=ana+lee#person-{member.pk}"


def test_a_search_lists_only_the_members_whose_name_has_the_words(facilitator_client, meeting, collaborative):
    MembershipFactory(collaborative=collaborative, user__display_name="Ana Lee")
    MembershipFactory(collaborative=collaborative, user__display_name="Ben Cho")
    body = text(facilitator_client.get(register_url(meeting) + "?q=ana"))
    assert "Ana Lee" in body
    assert "Ben Cho" not in body
    assert 'name="q" value="ana"' in body  # Kept in the form the taps send, for the way back.
