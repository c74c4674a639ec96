"""Taking a break: a member chooses until when, or comes back; nothing asks why; emails pause (the outbox
records them as skipped, with the reason) and start again after; facilitators see only "until when"."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from members.emails import WELCOME
from members.models import Membership
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message
from notifications.services import messages_queue
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = reverse("members:take_break", kwargs={"slug": "lambeth"})
DIRECTORY = reverse("members:directory", kwargs={"slug": "lambeth"})


def text(response) -> str:
    return html.unescape(response.content.decode())


def membership_of(user, collaborative) -> Membership:
    return Membership.objects.get(user=user, collaborative=collaborative)


@pytest.fixture
def today(collaborative):
    return collaborative.local_today()


def test_a_member_takes_a_break_until_a_day_they_choose(member_client, member, collaborative, today):
    page = text(member_client.get(URL))
    assert "Nobody asks why." in page
    form = page.split(f'<form method="post" action="{URL}" novalidate>', 1)[1].split("</form>", 1)[0]
    fields = set(re.findall(r'name="([^"]+)"', form)) - {"csrfmiddlewaretoken"}
    assert fields == {"until"}  # The form asks for a day only.
    visible = re.sub(r"<[^>]+>", " ", form).lower()  # Words a person reads, not the token's random letters.
    assert "why" not in visible
    until = today + timedelta(days=21)
    response = member_client.post(URL, {"until": until.isoformat()})
    assert response.status_code == 302
    assert membership_of(member, collaborative).break_until == until
    page = text(member_client.get(URL))
    assert f"You are taking a break until {until:%A %-d %B %Y}." in page
    assert "Come back now" in page


def test_coming_back_now_ends_the_break(member_client, member, collaborative, today):
    Membership.objects.filter(user=member).update(break_until=today + timedelta(days=5))
    response = member_client.post(URL, {"come_back": "1"})
    assert response.status_code == 302
    assert membership_of(member, collaborative).break_until is None
    assert "Welcome back." in text(member_client.get(URL))


def test_the_member_sees_their_break_and_come_back_on_their_own_page(member_client, member, collaborative, today):
    Membership.objects.filter(user=member).update(break_until=today + timedelta(days=5))
    page = text(member_client.get(reverse("members:member_detail", kwargs={"slug": "lambeth", "pk": member.pk})))
    assert "You are taking a break until" in page
    assert "Come back now" in page


@pytest.mark.parametrize(
    ("days", "error"),
    [
        (0, "Choose a day after today."),
        (-3, "Choose a day after today."),
        (400, "Choose a day within a year."),
    ],
)
def test_a_day_that_does_not_work_is_explained_and_nothing_changes(
    member_client, member, collaborative, today, days, error
):
    response = member_client.post(URL, {"until": (today + timedelta(days=days)).isoformat()})
    assert response.status_code == 400
    assert error in text(response)
    assert membership_of(member, collaborative).break_until is None


def test_no_day_is_explained(member_client):
    response = member_client.post(URL, {"until": ""})
    assert response.status_code == 400
    assert "Until: Choose the last day of your break." in text(response)


def test_outsiders_get_404_and_anonymous_people_sign_in(client, people):
    client.force_login(people["outsider"])
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"come_back": "1"}).status_code == 404
    client.logout()
    assert client.get(URL)["Location"].startswith(reverse("account_login"))


def test_facilitators_see_only_until_when_and_members_see_nothing(client, people, collaborative, today):
    person = MembershipFactory(collaborative=collaborative, user__display_name="Bea Rest").user
    until = today + timedelta(days=10)
    Membership.objects.filter(user=person).update(break_until=until)
    client.force_login(people["facilitator"])
    assert f"Taking a break until {until:%-d %B %Y}" in text(client.get(DIRECTORY))
    manage = reverse("members:member_manage", kwargs={"slug": "lambeth", "pk": person.pk})
    assert f"Taking a break until {until:%-d %B %Y}" in text(client.get(manage))
    for role in ("member", "commissioner"):
        client.force_login(people[role])
        assert "Taking a break" not in text(client.get(DIRECTORY))
        detail = reverse("members:member_detail", kwargs={"slug": "lambeth", "pk": person.pk})
        assert "Taking a break" not in text(client.get(detail))


def test_a_break_that_has_ended_is_not_shown(facilitator_client, collaborative, today):
    person = MembershipFactory(collaborative=collaborative).user
    Membership.objects.filter(user=person).update(break_until=today - timedelta(days=1))
    assert "Taking a break" not in text(facilitator_client.get(DIRECTORY))


def send_due() -> int:
    claim, ids = messages_claim()
    return messages_send(claim=claim, ids=ids)


def test_the_outbox_skips_emails_during_a_break_and_sends_them_again_after(
    member_client, member, collaborative, today, mailoutbox
):
    until = today + timedelta(days=14)
    member_client.post(URL, {"until": until.isoformat()})
    messages_queue(recipients=[member], collaborative=collaborative, kind=WELCOME, about=collaborative, occasion="a")
    send_due()
    skipped = Message.objects.get(recipient=member, occasion="a")
    assert skipped.status == Message.Status.SKIPPED
    assert skipped.last_error == f"Taking a break until {until:%-d %B %Y}."
    assert mailoutbox == []

    # The last day of the break: still paused.
    Membership.objects.filter(user=member).update(break_until=today)
    messages_queue(recipients=[member], collaborative=collaborative, kind=WELCOME, about=collaborative, occasion="b")
    send_due()
    assert Message.objects.get(recipient=member, occasion="b").status == Message.Status.SKIPPED

    # The day after it, as if its last day had passed: emails go again.
    Membership.objects.filter(user=member).update(break_until=today - timedelta(days=1))
    messages_queue(recipients=[member], collaborative=collaborative, kind=WELCOME, about=collaborative, occasion="c")
    assert send_due() == 1
    assert Message.objects.get(recipient=member, occasion="c").status == Message.Status.SENT
    assert [email.to for email in mailoutbox] == [[member.email]]


def test_coming_back_early_lets_emails_go_at_once(member_client, member, collaborative, today, mailoutbox):
    member_client.post(URL, {"until": (today + timedelta(days=14)).isoformat()})
    member_client.post(URL, {"come_back": "1"})
    messages_queue(recipients=[member], collaborative=collaborative, kind=WELCOME, about=collaborative)
    assert send_due() == 1
    assert len(mailoutbox) == 1
