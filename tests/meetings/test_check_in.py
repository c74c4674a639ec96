""" "I'd like someone to check in with me": from a meeting's end until a week later, someone who came asks,
privately; the facilitators get one email and say when one of them has checked in. Nobody else sees it."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.emails import CHECK_IN_ASKED
from meetings.models import Attendance, CheckInRequest, Meeting
from meetings.services import check_in_answer, check_in_ask
from members.models import Membership
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message
from tests.factories import MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db

LIST = reverse("meetings:check_ins", kwargs={"slug": "lambeth"})


def text(response) -> str:
    return html.unescape(response.content.decode())


def ended(collaborative, ago: timedelta = timedelta(hours=2), **fields) -> Meeting:
    end = timezone.now() - ago
    return MeetingFactory(collaborative=collaborative, starts_at=end - timedelta(hours=2), ends_at=end, **fields)


def came(meeting, user, attended=True) -> None:
    Attendance.objects.create(meeting=meeting, user=user, attended=attended)


def ask_url(meeting) -> str:
    return reverse("meetings:check_in", kwargs={"slug": "lambeth", "pk": meeting.pk})


def detail(meeting) -> str:
    return reverse("meetings:detail", kwargs={"slug": "lambeth", "pk": meeting.pk})


def answer_url(check_in) -> str:
    return reverse("meetings:check_in_answered", kwargs={"slug": "lambeth", "pk": check_in.pk})


@pytest.fixture
def meeting(collaborative, member):
    meeting = ended(collaborative, title="March meeting")
    came(meeting, member)
    return meeting


def test_someone_who_came_asks_and_the_facilitators_get_one_email(
    member_client, member, facilitator, collaborative, meeting, mailoutbox
):
    other_facilitator = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    assert "I'd like someone to check in with me" in text(member_client.get(detail(meeting)))
    response = member_client.post(ask_url(meeting))
    assert response.status_code == 302
    assert "A facilitator will be in touch soon." in text(member_client.get(response["Location"]))
    asked = CheckInRequest.objects.get()
    assert (asked.meeting, asked.user, asked.answered_by, asked.answered_at) == (meeting, member, None, None)
    # Asking again makes nothing more.
    member_client.post(ask_url(meeting))
    assert CheckInRequest.objects.count() == 1
    messages = Message.objects.filter(kind=CHECK_IN_ASKED.key)
    assert sorted(m.recipient_id for m in messages) == sorted([facilitator.pk, other_facilitator.pk])
    claim, ids = messages_claim()
    messages_send(claim=claim, ids=ids)
    assert sorted(email.to[0] for email in mailoutbox) == sorted([facilitator.email, other_facilitator.email])
    email = mailoutbox[0]
    assert email.subject.startswith(f"{member.display_name} would like someone to check in with them")
    assert f"{member.display_name} came to March meeting on " in email.body
    assert LIST in email.body
    assert member.email not in [e.to[0] for e in mailoutbox]


def test_after_asking_the_page_says_so_to_the_person_only(client, people, member, meeting):
    came(meeting, people["commissioner"])
    client.force_login(member)
    client.post(ask_url(meeting))
    assert "You asked for someone to check in with you." in text(client.get(detail(meeting)))
    # Someone else who came is still offered it, and sees nothing of the member's asking.
    client.force_login(people["commissioner"])
    page = text(client.get(detail(meeting)))
    assert "You asked for someone to check in" not in page
    assert "I'd like someone to check in with me" in page
    client.force_login(people["facilitator"])
    assert "check in with you" not in text(client.get(detail(meeting)))


def test_nobody_but_the_facilitators_sees_the_list(client, people, member, meeting):
    client.force_login(member)
    client.post(ask_url(meeting))
    asked = CheckInRequest.objects.get()
    for role, status in (("member", 403), ("commissioner", 403), ("outsider", 404)):
        client.force_login(people[role])
        assert client.get(LIST).status_code == status
        assert client.post(answer_url(asked)).status_code == status
    asked.refresh_from_db()
    assert asked.answered_at is None
    client.logout()
    assert client.get(LIST)["Location"].startswith(reverse("account_login"))


def test_a_facilitator_records_that_they_checked_in(facilitator_client, facilitator, member, meeting):
    asked = CheckInRequest.objects.create(meeting=meeting, user=member)
    page = text(facilitator_client.get(LIST))
    assert member.display_name in page
    assert "I've checked in" in page
    response = facilitator_client.post(answer_url(asked))
    assert response.status_code == 302
    asked.refresh_from_db()
    assert (asked.answered_by, asked.answered_at is not None) == (facilitator, True)
    page = text(facilitator_client.get(LIST))
    assert f"Recorded: you checked in with {member.display_name}." in page
    assert f"By {facilitator.display_name}" in page
    # Twice: the first answer stands, and the facilitator is told.
    again = facilitator_client.post(answer_url(asked))
    assert "checked in already" in text(facilitator_client.get(again["Location"]))
    asked.refresh_from_db()
    assert asked.answered_by == facilitator


def test_the_email_is_not_sent_once_someone_has_checked_in(facilitator, member, meeting, mailoutbox):
    asked = check_in_ask(meeting=meeting, user=member)
    check_in_answer(check_in=asked, by=facilitator)
    claim, ids = messages_claim()
    messages_send(claim=claim, ids=ids)
    message = Message.objects.get(kind=CHECK_IN_ASKED.key)
    assert (message.status, message.last_error) == (Message.Status.SKIPPED, "A facilitator had checked in already.")
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ("not_there", "Only someone marked on the register as there can ask after a meeting."),
        ("marked_absent", "Only someone marked on the register as there can ask after a meeting."),
        ("not_ended", "You can ask for a check-in from the end of a meeting until a week after it."),
        ("over_a_week", "You can ask for a check-in from the end of a meeting until a week after it."),
        ("cancelled", "You can ask for a check-in from the end of a meeting until a week after it."),
    ],
)
def test_only_who_came_in_the_week_after_can_ask(member_client, member, collaborative, setup, error):
    if setup == "not_ended":
        meeting = ended(collaborative, ago=-timedelta(minutes=30))
    elif setup == "over_a_week":
        meeting = ended(collaborative, ago=timedelta(days=7, minutes=1))
    elif setup == "cancelled":
        meeting = ended(collaborative, status=Meeting.Status.CANCELLED)
    else:
        meeting = ended(collaborative)
    if setup != "not_there":
        came(meeting, member, attended=setup != "marked_absent")
    assert "I'd like someone to check in" not in text(member_client.get(detail(meeting)))
    response = member_client.post(ask_url(meeting))
    assert response.status_code == 302
    assert error in text(member_client.get(response["Location"]))
    assert not CheckInRequest.objects.exists()
    assert not Message.objects.filter(kind=CHECK_IN_ASKED.key).exists()


def test_outsiders_get_404(client, people, meeting):
    client.force_login(people["outsider"])
    assert client.post(ask_url(meeting)).status_code == 404
    assert not CheckInRequest.objects.exists()


def test_a_check_in_of_another_collaborative_is_not_found(client, other_collaborative, people):
    elsewhere = ended(other_collaborative)
    asked = CheckInRequest.objects.create(meeting=elsewhere, user=people["outsider"])
    client.force_login(people["facilitator"])
    assert client.post(answer_url(asked)).status_code == 404


@pytest.mark.parametrize("rows", [2, 50])
def test_the_list_costs_the_same_queries_and_is_a_page_at_a_time(
    facilitator_client, collaborative, django_assert_num_queries, rows
):
    meeting = ended(collaborative)
    for _ in range(rows):
        CheckInRequest.objects.create(meeting=meeting, user=MembershipFactory(collaborative=collaborative).user)
    facilitator_client.get(LIST)
    with django_assert_num_queries(QUERIES):
        response = facilitator_client.get(LIST)
    assert response.text.count("<tr>") == 1 + min(rows, 50)  # The heading's row, and the page's.


# One more since issue 18: the count of what is new beside "Discussions" in the navigation.
QUERIES = 7
