""" "Emails sent to you" (issue 15, item 6): why one was not sent, in plain words, and each email
sent to the person to read again, theirs alone; deleting their account deletes what it said."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Membership
from members.personal_data import account_erase
from members.services import membership_welcome
from notifications.delivery import messages_claim, messages_send
from notifications.models import GAVE_UP, NO_ADDRESS, NOT_WRITTEN, TURNED_OFF, Message
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

MINE = reverse("notifications:mine")


def deliver() -> None:
    claim, ids = messages_claim(now=timezone.now() + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)


def read(pk: int) -> str:
    return reverse("notifications:mine_detail", kwargs={"pk": pk})


@pytest.fixture
def welcomed(collaborative) -> Message:
    """A new member, welcomed, and the welcome sent."""
    membership = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh")
    membership_welcome(membership=membership)
    deliver()
    return Message.objects.get(recipient=membership.user, kind="welcome")


def test_the_words_sent_are_kept_and_the_person_reads_them_again(client, welcomed, mailoutbox):
    [email] = mailoutbox
    assert welcomed.status == Message.Status.SENT
    assert welcomed.body == email.body
    assert "Hello Kit Walsh," in welcomed.body

    client.force_login(welcomed.recipient)
    listing = client.get(MINE).content.decode()
    assert f'<a href="{read(welcomed.pk)}">' in listing
    assert '<table class="cards">' in listing
    assert '<td data-label="What happened">' in listing

    page = client.get(read(welcomed.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "What the email said" in text
    assert "Hello Kit Walsh," in text
    assert f"to {welcomed.sent_to}" in text


@pytest.mark.parametrize("role", ["member", "facilitator", "commissioner"])
def test_no_one_else_reads_it_not_even_its_collaboratives_facilitators(client, people, welcomed, role):
    client.force_login(people[role])
    assert client.get(read(welcomed.pk)).status_code == 404


def test_someone_from_another_collaborative_gets_404_too(client, welcomed, other_collaborative):
    outsider = MembershipFactory(collaborative=other_collaborative, role=Membership.Role.FACILITATOR).user
    client.force_login(outsider)
    assert client.get(read(welcomed.pk)).status_code == 404


def test_a_missing_email_is_the_same_404(client, welcomed):
    client.force_login(welcomed.recipient)
    assert client.get(read(welcomed.pk + 1000)).status_code == 404


def test_anonymous_is_asked_to_sign_in(client, welcomed):
    response = client.get(read(welcomed.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_deleting_the_account_deletes_what_the_emails_said_to_them_and_about_them(collaborative, welcomed, people):
    # A facilitator's copy that names the person goes too.
    other = Message.objects.create(
        recipient=people["facilitator"],
        collaborative=collaborative,
        kind="join_requested",
        about=collaborative,
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        body="Kit Walsh asked to join.",
    )
    unrelated = Message.objects.create(
        recipient=people["facilitator"],
        collaborative=collaborative,
        kind="welcome",
        about=collaborative,
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        body="Welcome, Ann.",
    )
    account_erase(user=welcomed.recipient)
    welcomed.refresh_from_db()
    assert (welcomed.body, welcomed.sent_to) == ("", "")
    assert Message.objects.get(pk=other.pk).body == ""
    assert Message.objects.get(pk=unrelated.pk).body == "Welcome, Ann."


# Why an email was not sent, in the words of the person it was for: never a mail server's reply.
REASONS = [
    (Message.Status.SKIPPED, TURNED_OFF, "You had turned off this kind of email."),
    (Message.Status.SKIPPED, "The meeting was cancelled.", "The meeting was cancelled."),
    (Message.Status.FAILED, NO_ADDRESS, "Your account has no email address."),
    (Message.Status.FAILED, NOT_WRITTEN, "Something went wrong on our side while writing it. We have been told."),
    (
        Message.Status.FAILED,
        "The mail server would not accept the email for kit@example.org. It said: 550 5.1.1 <kit@example.org> "
        "User unknown",
        "Your email provider would not accept it. Check the address on your profile.",
    ),
    (
        Message.Status.FAILED,
        f"{GAVE_UP} 8 tries. The mail server asked us to try again later. It said: 451 4.7.1 Greylisted",
        "We tried several times but could not get it through to your email provider.",
    ),
    (Message.Status.FAILED, "Nobody foresaw this: Traceback (most recent call last)", "It could not be delivered."),
    (
        Message.Status.PENDING,
        "The mail server asked us to try the message again later. It said: 421 Try later",
        "Your email provider asked us to wait, so we will try again soon.",
    ),
]


@pytest.mark.parametrize(("status", "stored", "shown"), REASONS)
def test_the_reason_is_shown_in_plain_words(client, collaborative, status, stored, shown):
    person = UserFactory()
    MembershipFactory(collaborative=collaborative, user=person)
    message = Message.objects.create(
        recipient=person, collaborative=collaborative, kind="welcome", about=collaborative, status=status
    )
    Message.objects.filter(pk=message.pk).update(last_error=stored)
    client.force_login(person)
    for page in (client.get(MINE), client.get(read(message.pk))):
        text = page.content.decode()
        assert shown.replace("'", "&#x27;") in text
        # The distinctive parts of the servers' replies (a bare "550" could be in a factory's address).
        for technical in ("5.1.1", "User unknown", "Greylisted", "Try later", "Traceback", "mail server"):
            assert technical not in text
