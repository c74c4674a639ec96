"""Invitations: a facilitator pastes addresses, each invitee gets a single-use link by email,
and following it a newcomer signs up (or someone with an account signs in) and joins.

Everything is real: the views, the services, the outbox and the delivery services, which
send to Django's test outbox (`mailoutbox`), so the link a test follows is the one in the
email.
"""

import html
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.emails import INVITATION, WELCOME
from members.forms import MAX_INVITATIONS
from members.links import invitation_path
from members.models import (
    INVITATION_DAYS,
    GroundRulesAcceptance,
    Invitation,
    Membership,
    MembershipChange,
    User,
)
from members.services import invitations_send, membership_create, membership_deactivate, membership_leave
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-password-7"


def invitations_url(slug: str = "lambeth") -> str:
    return reverse("members:invitations", kwargs={"slug": slug})


def invite(client, addresses: str, *, role: str = "member", message: str = ""):
    return client.post(invitations_url(), {"addresses": addresses, "role": role, "message": message})


def text(response) -> str:
    return html.unescape(response.content.decode())


def reports(response) -> list[tuple[str, str]]:
    """The lines of the "need a look" box, as (what was pasted, what is wrong with it)."""
    found = re.findall(r"<li><strong>(.*?)</strong> (.*?)</li>", response.content.decode(), re.DOTALL)
    return [(html.unescape(entry), html.unescape(reason)) for entry, reason in found]


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def deliver() -> int:
    """Do what the worker does: claim every email that is due and send it."""
    claim, ids = messages_claim()
    return messages_send(claim=claim, ids=ids)


def link_in(email) -> str:
    """The path of the invitation link in an email's plain text."""
    match = re.search(re.escape(settings.SITE_URL.rstrip("/")) + r"(/invitations/[^/\s]+/)", email.body)
    assert match, email.body
    return match.group(1)


def invited(*emails: str) -> list[str]:
    return sorted(Invitation.objects.filter(email__in=emails).values_list("email", flat=True))


def error_summary(response) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.DOTALL)
    return html.unescape(match.group(0)) if match else ""


@pytest.fixture
def visitor() -> Client:
    """A second browser, for the invitee, beside the facilitator's `client`."""
    return Client()


@pytest.fixture
def lambeth_invitation(collaborative, facilitator):
    """An invitation sent as a facilitator sends it, with its email queued."""
    [outcome] = invitations_send(
        collaborative=collaborative, addresses=[("", "joy@example.net")], role="member", message="", by=facilitator
    )
    assert outcome.sent
    return Invitation.objects.get(email="joy@example.net")


# Pasting a list


def test_a_pasted_list_is_split_on_commas_semicolons_and_lines(facilitator_client, collaborative):
    pasted = (
        "ann@example.net, bob@example.net\n"
        "\n"
        "   cat@example.net;dan@example.net\r\n"
        "Sam Patel <sam@example.net>\n"
        '"Kit Walsh" <kit@example.net>;\n'
        "\n"
    )
    response = invite(facilitator_client, pasted)

    assert response.status_code == 200
    expected = ["ann@example.net", "bob@example.net", "cat@example.net", "dan@example.net"]
    expected += ["kit@example.net", "sam@example.net"]
    assert sorted(Invitation.objects.values_list("email", flat=True)) == expected
    assert "6 invitations sent" in text(response)
    assert reports(response) == []


def box(response) -> str:
    """What is left in the addresses box to correct (browsers drop the line break after <textarea>)."""
    found = re.search(r'<textarea name="addresses"[^>]*>(.*?)</textarea>', response.text, re.DOTALL)[1]
    return html.unescape(found).removeprefix("\n")


def test_pasted_names_and_addresses_are_understood(facilitator_client, collaborative):
    # As a browser sends a textarea: lines end in \r\n.
    pasted = (
        "Priya Desai <priya@example.org>\r\n"
        '"Desai, Ravi" <ravi@example.org>, "Kit \\"KW\\" Walsh" <kit@example.org>; ann@example.org\r\n'
        "Okafor, Grace <grace@example.org>; Shah, Dr Ravi (Lambeth GP) <gp@example.org>\r\n"
        "sam@example.org (Sam Patel)\r\n"
        '"joy@example.org" <joy@example.org>\r\n'
    )
    response = invite(facilitator_client, pasted)

    assert reports(response) == []
    assert dict(Invitation.objects.values_list("email", "name")) == {
        "priya@example.org": "Priya Desai",
        "ravi@example.org": "Desai, Ravi",
        "kit@example.org": 'Kit "KW" Walsh',
        "ann@example.org": "",
        "grace@example.org": "Okafor, Grace",  # As Outlook copies names: surname first, unquoted.
        "gp@example.org": "Shah, Dr Ravi (Lambeth GP)",
        "sam@example.org": "Sam Patel",
        "joy@example.org": "",  # A name that is only the address again is no name.
    }
    assert "8 invitations sent" in text(response)


def test_a_name_and_address_followed_by_another_line_leaves_no_blank_line(facilitator_client, collaborative):
    response = invite(facilitator_client, "Priya Desai <priya@example.org>\r\nann@example.org\r\n")

    assert reports(response) == []
    assert "2 invitations sent" in text(response)
    assert box(response) == ""


def test_malformed_entries_are_reported_on_their_own_line_and_go_back_in_the_box(facilitator_client, collaborative):
    pasted = (
        "ann@example.org\r\n"
        '"Desai, Priya <priya@example.org>, bob@example.org\r\n'  # A quote never closed: the whole line.
        "Sam Patel sam@example.org\r\n"  # No brackets round the address.
        "kit@example.org Kit\r\n"  # A word glued after the address.
        "a@example.org <b@example.org>\r\n"  # Two addresses in one.
        "Joy <joy@example.org>, Joy <JOY@example.org>\r\n"
    )
    response = invite(facilitator_client, pasted)

    invited = sorted(Invitation.objects.values_list("email", "name"))
    assert invited == [("ann@example.org", ""), ("joy@example.org", "Joy")]
    not_an_address = "is not an email address. Check it for spaces or missing parts."
    assert reports(response) == [
        ('"Desai, Priya <priya@example.org>, bob@example.org', not_an_address),
        ("Sam Patel sam@example.org", not_an_address),
        ("kit@example.org Kit", not_an_address),
        ("a@example.org <b@example.org>", not_an_address),
        ("Joy <JOY@example.org>", "is in the list more than once. It counts once."),
    ]
    assert box(response) == (
        '"Desai, Priya <priya@example.org>, bob@example.org\n'
        "Sam Patel sam@example.org\n"
        "kit@example.org Kit\n"
        "a@example.org <b@example.org>"
    )


def test_an_address_too_long_to_deliver_is_reported_and_the_others_are_sent(facilitator_client, collaborative):
    too_long = "a" * 243 + "@example.org"  # 255 characters: one more than an address may have.
    longest = "b" * 242 + "@example.org"
    response = invite(facilitator_client, f"{too_long}\nPriya <{'c' * 250}@example.org>\n{longest}")

    assert response.status_code == 200
    assert invited(too_long, longest) == [longest]
    assert reports(response) == [
        (too_long, "is too long for an email address: it can have at most 254 characters."),
        (f"Priya <{'c' * 250}@example.org>", "is too long for an email address: it can have at most 254 characters."),
    ]
    assert box(response).strip() == f"{too_long}\nPriya <{'c' * 250}@example.org>"


def test_only_the_text_just_before_an_address_can_be_its_name(facilitator_client, collaborative):
    # Outlook's "Desai, Priya <priya@example.org>" takes one piece before the address; other
    # text before it is no part of the name, and is reported.
    response = invite(facilitator_client, "Hello, please invite, Desai, Priya <priya@example.org>, Okafor, Grace")

    assert dict(Invitation.objects.values_list("email", "name")) == {"priya@example.org": "Desai, Priya"}
    not_an_address = "is not an email address. Check it for spaces or missing parts."
    assert reports(response) == [
        ("Hello", not_an_address),
        ("please invite", not_an_address),
        ("Okafor", not_an_address),
        ("Grace", not_an_address),
    ]
    assert box(response).strip() == "Hello\nplease invite\nOkafor\nGrace"


def test_each_bad_or_repeated_line_is_reported_on_its_own_and_the_good_ones_are_sent(facilitator_client, collaborative):
    pasted = "ann@example.net\nnot an address\nANN@example.net\nbob@example\nbob@example.net"
    response = invite(facilitator_client, pasted)

    assert response.status_code == 200
    assert invited("ann@example.net", "bob@example.net") == ["ann@example.net", "bob@example.net"]
    assert Invitation.objects.count() == 2
    assert reports(response) == [
        ("not an address", "is not an email address. Check it for spaces or missing parts."),
        ("ANN@example.net", "is in the list more than once. It counts once."),
        ("bob@example", "is not an email address. Check it for spaces or missing parts."),
    ]
    page = text(response)
    assert "2 invitations sent: ann@example.net, bob@example.net." in page
    assert "3 addresses need a look" in page
    # The lines that were not addresses are back in the box to correct; the rest were sent.
    assert box(response).strip() == "not an address\nbob@example"


def test_a_current_member_is_told_apart_and_sent_nothing(facilitator_client, collaborative, member):
    response = invite(facilitator_client, f"{member.email.upper()}\nnew@example.net")

    assert reports(response) == [(member.email.upper(), "is already a member. Nothing was sent.")]
    assert list(Invitation.objects.values_list("email", flat=True)) == ["new@example.net"]
    assert list(Message.objects.filter(kind=INVITATION.key).values_list("to_address", flat=True)) == ["new@example.net"]


def test_a_member_is_recognised_by_another_verified_address_of_theirs(facilitator_client, collaborative, member):
    EmailAddress.objects.create(user=member, email="sam.home@example.net", verified=True, primary=False)

    response = invite(facilitator_client, "Sam.Home@example.net")

    assert reports(response) == [("Sam.Home@example.net", "is already a member. Nothing was sent.")]
    assert not Invitation.objects.exists()
    assert not Message.objects.filter(kind=INVITATION.key).exists()


def test_only_a_list_of_members_sends_nothing_and_says_so(facilitator_client, collaborative, member, facilitator):
    response = invite(facilitator_client, f"{member.email}, {facilitator.email}")

    assert response.status_code == 200
    assert len(reports(response)) == 2
    assert "invitations sent" not in text(response).lower()
    assert not Invitation.objects.exists()


def test_an_address_already_invited_is_sent_nothing_and_its_invitation_is_untouched(
    facilitator_client, collaborative, lambeth_invitation
):
    before = Invitation.objects.values().get(pk=lambeth_invitation.pk)
    messages_before = Message.objects.count()

    response = invite(facilitator_client, "Joy@Example.net", role="facilitator", message="Please come")

    [(entry, reason)] = reports(response)
    assert entry == "Joy@Example.net"
    assert reason.startswith("was already invited on ")
    assert 'Nothing was sent: to send it again, use "Send again" in the list of invitations.' in reason
    assert Invitation.objects.values().get(pk=lambeth_invitation.pk) == before
    assert Invitation.objects.count() == 1
    assert Message.objects.count() == messages_before


def test_an_invitation_that_ran_out_is_renewed_when_the_address_is_invited_again(
    facilitator_client, collaborative, facilitator
):
    old = InvitationFactory(
        collaborative=collaborative,
        email="joy@example.net",
        message="Old message",
        sent_at=timezone.now() - timedelta(days=20),
        expires_at=timezone.now() - timedelta(days=6),
    )

    response = invite(facilitator_client, "joy@example.net", role="commissioner", message="New message")

    assert reports(response) == []
    assert "1 invitation sent: joy@example.net." in text(response)
    renewed = Invitation.objects.get()
    assert renewed.pk == old.pk
    assert (renewed.status, renewed.role, renewed.message) == ("pending", "commissioner", "New message")
    assert renewed.send_count == 2
    assert renewed.invited_by == facilitator
    expected = timezone.now() + timedelta(days=INVITATION_DAYS)
    assert abs(renewed.expires_at - expected) < timedelta(minutes=1)
    message = Message.objects.get(kind=INVITATION.key)
    assert (message.to_address, message.occasion, message.about) == ("joy@example.net", "send-2", renewed)


def test_at_most_200_addresses_at_a_time(facilitator_client, collaborative):
    too_many = "\n".join(f"person{n}@example.net" for n in range(MAX_INVITATIONS + 1))

    response = invite(facilitator_client, too_many)

    assert response.status_code == 400
    assert f"Email addresses: Paste at most {MAX_INVITATIONS} addresses at a time." in error_summary(response)
    assert not Invitation.objects.exists()
    assert not Message.objects.exists()
    # What was pasted stays in the box, to shorten rather than type again.
    assert "person200@example.net" in text(response)


def test_exactly_200_addresses_are_all_sent(facilitator_client, collaborative):
    response = invite(facilitator_client, ", ".join(f"person{n}@example.net" for n in range(MAX_INVITATIONS)))

    assert f"{MAX_INVITATIONS} invitations sent" in text(response)
    assert Invitation.objects.count() == MAX_INVITATIONS
    assert Message.objects.filter(kind=INVITATION.key).count() == MAX_INVITATIONS


def test_a_list_with_no_good_address_is_refused_and_nothing_is_created(facilitator_client, collaborative):
    response = invite(facilitator_client, "nope\n\nalso nope@\n")

    assert response.status_code == 400
    assert "None of these is an email address we can send to. Check the list and try again." in error_summary(response)
    assert reports(response) == [
        ("nope", "is not an email address. Check it for spaces or missing parts."),
        ("also nope@", "is not an email address. Check it for spaces or missing parts."),
    ]
    assert not Invitation.objects.exists()
    assert not Message.objects.exists()


def test_an_empty_box_or_a_role_not_on_the_list_is_refused(facilitator_client, collaborative):
    empty = invite(facilitator_client, "  \n ")
    assert "Email addresses: This field is required." in error_summary(empty)
    made_up = invite(facilitator_client, "joy@example.net", role="chair")
    assert "Their role: Select a valid choice." in error_summary(made_up)
    assert not Invitation.objects.exists()


def test_the_invitations_page_offers_the_form(facilitator_client, collaborative):
    response = facilitator_client.get(invitations_url())
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Invite people</h1>" in page
    assert 'name="addresses"' in page
    assert "No invitations are waiting for an answer." in page


# The email


def test_the_invitation_email_is_queued_to_the_address_and_carries_the_link_and_message(
    facilitator_client, collaborative, facilitator, mailoutbox
):
    invite(facilitator_client, "joy@example.net", message="Come and meet us.\nWe meet in a cafe.")

    invitation = Invitation.objects.get()
    message = Message.objects.get()
    assert (message.recipient, message.to_address, message.kind) == (None, "joy@example.net", INVITATION.key)
    assert (message.about, message.occasion, message.collaborative) == (invitation, "send-1", collaborative)

    assert deliver() == 1
    [email] = mailoutbox
    assert email.to == ["joy@example.net"]
    assert email.subject == f"{facilitator.display_name} invites you to join ({collaborative.name})"
    link = invitation_path(invitation)
    assert link_in(email) == link
    assert "Come and meet us.\nWe meet in a cafe." in email.body
    assert f"{facilitator.display_name} has invited you to join {collaborative.name} as a member." in email.body
    [(html_body, _)] = email.alternatives
    assert f'href="{settings.SITE_URL.rstrip("/")}{link}"' in html_body
    assert "Come and meet us.<br>We meet in a cafe." in html_body
    # There is no list to leave: the person may not even have an account.
    assert "List-Unsubscribe" not in email.extra_headers
    assert "Stop emails like this one" not in email.body
    message.refresh_from_db()
    assert (message.status, message.sent_to) == (Message.Status.SENT, "joy@example.net")


def test_the_invitation_email_greets_the_person_by_the_name_pasted(facilitator_client, collaborative, mailoutbox):
    invite(facilitator_client, "Priya Desai <priya@example.org>\nann@example.org")

    assert deliver() == 2
    emails = {email.to[0]: email for email in mailoutbox}
    assert emails["priya@example.org"].body.startswith("Hello Priya Desai,\n")
    assert "<p>Hello Priya Desai,</p>" in emails["priya@example.org"].alternatives[0][0]
    assert emails["ann@example.org"].body.startswith("Hello,\n")


def test_following_the_invitation_link_fills_in_the_name_to_sign_up_with(client, collaborative, facilitator):
    invitations_send(
        collaborative=collaborative,
        addresses=[("Priya Desai", "priya@example.org")],
        role="member",
        message="",
        by=facilitator,
    )
    link = invitation_path(Invitation.objects.get())
    client.get(link)

    signup = client.get(f"{reverse('account_signup')}?{urlencode({'next': link})}").content.decode()
    assert re.search(r'<input[^>]*name="display_name"[^>]*value="Priya Desai"', signup)
    assert re.search(r'<input[^>]*name="email"[^>]*value="priya@example.org"', signup)
    assert "Your invitation link has already confirmed your email address" in signup
    assert "We will email you a link to confirm" not in signup
    # They can change it: the name they type is the one kept.
    client.post(
        reverse("account_signup"),
        {"display_name": "Priya", "email": "priya@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert User.objects.get(email="priya@example.org").display_name == "Priya"
    assert "members_invited_name" not in client.session


# Following the link


@pytest.mark.parametrize("role", Membership.Role.values)
def test_a_newcomer_follows_the_link_signs_up_and_joins_with_the_role_they_were_given(
    client, collaborative, facilitator, mailoutbox, role
):
    invitations_send(
        collaborative=collaborative, addresses=[("", "joy@example.net")], role=role, message="Hello", by=facilitator
    )
    assert deliver() == 1
    link = link_in(mailoutbox.pop())

    page = client.get(link)
    assert page.status_code == 200
    assert f"{facilitator.display_name} has invited you to join {collaborative.name}" in text(page)
    signup_url = f"{reverse('account_signup')}?{urlencode({'next': link})}"
    assert f'href="{signup_url}"' in page.content.decode()

    signup = client.get(signup_url)
    assert re.search(r'<input[^>]*name="email"[^>]*value="joy@example.net"', signup.content.decode())

    response = client.post(
        signup_url,
        {
            "display_name": "Joy Mensah",
            "email": "joy@example.net",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "next": link,
        },
    )
    # Following the link proved the address: no confirmation email, signed in straight away.
    assert response.status_code == 302, text(response)
    assert response.headers["Location"] == link
    assert mailoutbox == []
    joy = User.objects.get(email="joy@example.net")
    assert EmailAddress.objects.get(user=joy).verified
    assert response.wsgi_request.user == joy

    rules = client.get(link)
    assert rules.status_code == 200
    assert "Our ground rules" in text(rules)
    assert "We meet as equals." in text(rules)
    assert f"I agree to the ground rules: join {collaborative.name}" in text(rules)

    joined = client.post(link)
    assert joined.status_code == 302
    assert joined.headers["Location"] == collaborative.get_absolute_url()
    # Someone new is asked about access needs where they arrive (issue 15, item 13).
    assert flash(joined) == [
        f"Welcome to {collaborative.name}. You can now take part. If you have any access or dietary needs, add them"
        " on your profile (the link at the top of the page): only the facilitators see them, to plan the meetings"
        " for you."
    ]
    assert client.get(joined.headers["Location"]).status_code == 200

    membership = Membership.objects.get(user=joy, collaborative=collaborative)
    assert (membership.role, membership.status) == (role, Membership.Status.ACTIVE)
    acceptance = GroundRulesAcceptance.objects.get(membership=membership)
    assert acceptance.ground_rules == collaborative.ground_rules.get()
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.accepted_by) == (Invitation.Status.ACCEPTED, joy)
    assert invitation.accepted_at is not None
    assert Message.objects.filter(recipient=joy, kind=WELCOME.key, collaborative=collaborative).count() == 1


def test_someone_with_an_account_signs_in_from_the_link_and_joins(client, collaborative, facilitator):
    joy = UserFactory(email="joy@example.net")
    # Typed in another case by the facilitator: the same address.
    invitations_send(
        collaborative=collaborative, addresses=[("", "Joy@Example.NET")], role="member", message="", by=facilitator
    )
    lambeth_invitation = Invitation.objects.get()
    link = invitation_path(lambeth_invitation)

    page = client.get(link)
    assert "You already have an account with this email address. Sign in to accept the invitation." in text(page)
    login_url = f"{reverse('account_login')}?{urlencode({'next': link})}"
    assert f'href="{login_url}"' in page.content.decode()

    response = client.post(login_url, {"login": "joy@example.net", "password": PASSWORD, "next": link})
    assert response.status_code == 302, text(response)
    assert response.headers["Location"] == link

    assert "Our ground rules" in text(client.get(link))
    joined = client.post(link)
    assert joined.headers["Location"] == collaborative.get_absolute_url()
    membership = Membership.objects.get(user=joy, collaborative=collaborative)
    assert membership.role == Membership.Role.MEMBER
    assert membership.acceptances.count() == 1
    lambeth_invitation.refresh_from_db()
    assert (lambeth_invitation.status, lambeth_invitation.accepted_by) == (Invitation.Status.ACCEPTED, joy)


def test_the_link_also_works_for_another_verified_address_of_the_person(client, collaborative, lambeth_invitation):
    person = UserFactory(email="joy.work@example.org")
    EmailAddress.objects.create(user=person, email="joy@example.net", verified=True, primary=False)
    client.force_login(person)

    client.post(invitation_path(lambeth_invitation))

    assert Membership.objects.filter(user=person, collaborative=collaborative, status="active").exists()


def test_the_link_opened_by_a_member_goes_to_the_collaborative(client, collaborative, member, lambeth_invitation):
    client.force_login(member)
    response = client.get(invitation_path(lambeth_invitation))
    assert response.status_code == 302
    assert response.headers["Location"] == collaborative.get_absolute_url()
    assert flash(response) == [f"You are a member of {collaborative.name}."]


# The edge cases: run out, used, withdrawn, not a link of ours, someone else's


def test_a_link_that_has_run_out_gives_410_and_a_plain_message(client, collaborative, facilitator):
    invitation = InvitationFactory(
        collaborative=collaborative, invited_by=facilitator, expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(invitation_path(invitation))
    assert response.status_code == 410
    page = text(response)
    assert "This invitation has run out" in page
    assert (
        f"Invitations to {collaborative.name} work for 14 days. Ask {facilitator.display_name} to send it again."
        in page
    )
    assert "Make an account" not in page


def test_a_link_that_has_run_out_cannot_be_used_by_its_invitee_either(client, collaborative):
    invitation = InvitationFactory(collaborative=collaborative, expires_at=timezone.now() - timedelta(days=1))
    person = UserFactory(email=invitation.email)
    client.force_login(person)

    assert client.get(invitation_path(invitation)).status_code == 410
    assert client.post(invitation_path(invitation)).status_code == 410

    assert not Membership.objects.filter(user=person).exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_a_link_already_used_gives_410(client, collaborative):
    invitation = InvitationFactory(collaborative=collaborative, status=Invitation.Status.ACCEPTED)
    response = client.get(invitation_path(invitation))
    assert response.status_code == 410
    assert "This invitation has already been used" in text(response)
    assert "Each invitation link works once." in text(response)


def test_a_used_link_cannot_be_used_again_by_someone_else_with_the_address(client, collaborative, lambeth_invitation):
    first = UserFactory(email="joy@example.net")
    client.force_login(first)
    client.post(invitation_path(lambeth_invitation))
    assert Membership.objects.filter(user=first, collaborative=collaborative).exists()

    second = UserFactory(email="joy.work@example.org")
    EmailAddress.objects.create(user=second, email="joy@example.net", verified=False, primary=False)
    client.force_login(second)
    assert client.post(invitation_path(lambeth_invitation)).status_code == 410
    assert not Membership.objects.filter(user=second).exists()


def test_a_withdrawn_link_gives_410(client, collaborative):
    invitation = InvitationFactory(collaborative=collaborative, status=Invitation.Status.REVOKED)
    response = client.get(invitation_path(invitation))
    assert response.status_code == 410
    assert "This invitation was withdrawn" in text(response)


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps(1, salt="another.salt"),  # Signed, but not as an invitation link.
        signing.Signer(salt="members.invitation").sign_object("1"),  # Signed by us, but not an id.
        signing.Signer(salt="members.invitation").sign_object(999_999),  # No such invitation.
        signing.dumps(1, salt="members.invitation"),  # Signed with our salt, but another way.
    ],
    ids=["not-signed", "another-salt", "not-an-id", "no-such-invitation", "other-format"],
)
def test_a_link_that_is_not_ours_gives_400(client, collaborative, token):
    InvitationFactory(collaborative=collaborative)
    response = client.get(reverse("members:invitation", kwargs={"token": token}))
    assert response.status_code == 400
    assert "This invitation link does not work" in text(response)


def test_a_link_cut_short_gives_400(client, collaborative, lambeth_invitation):
    response = client.get(invitation_path(lambeth_invitation)[:-6] + "/")
    assert response.status_code == 400


def test_a_link_opened_while_signed_in_as_someone_else_is_refused_and_nothing_changes(
    client, collaborative, lambeth_invitation, people
):
    someone_else = people["outsider"]
    client.force_login(someone_else)
    link = invitation_path(lambeth_invitation)

    response = client.get(link)
    assert response.status_code == 403
    page = text(response)
    assert "This invitation is for someone else" in page
    assert f"You are signed in as {someone_else.email}" in page
    assert "Sign out and open the invitation again" in page
    assert "I agree to the ground rules" not in page

    assert client.post(link).status_code == 403
    assert not Membership.objects.filter(user=someone_else, collaborative=collaborative).exists()
    lambeth_invitation.refresh_from_db()
    assert (lambeth_invitation.status, lambeth_invitation.accepted_by) == (Invitation.Status.PENDING, None)
    assert not Message.objects.filter(recipient=someone_else, kind=WELCOME.key).exists()


@pytest.mark.parametrize("end", ["left", "deactivated"])
def test_a_former_member_invited_again_is_reactivated_with_the_new_role(
    visitor, facilitator_client, collaborative, facilitator, end
):
    joy = UserFactory(email="joy@example.net")
    membership = membership_create(user=joy, collaborative=collaborative)
    if end == "left":
        membership_leave(membership=membership)
    else:
        membership_deactivate(membership=membership, by=facilitator)

    response = invite(facilitator_client, "joy@example.net", role="facilitator")
    assert reports(response) == []
    visitor.force_login(joy)
    joined = visitor.post(invitation_path(Invitation.objects.get()))
    assert joined.headers["Location"] == collaborative.get_absolute_url()

    membership.refresh_from_db()
    assert (membership.status, membership.role, membership.left_at) == ("active", "facilitator", None)
    history = list(membership.changes.order_by("id").values_list("field", "old_value", "new_value", "changed_by"))
    ended_by = joy.pk if end == "left" else facilitator.pk
    assert history == [
        (MembershipChange.Field.STATUS, "active", end, ended_by),
        (MembershipChange.Field.STATUS, end, "active", facilitator.pk),
        (MembershipChange.Field.ROLE, "member", "facilitator", facilitator.pk),
    ]
    assert membership.acceptances.count() == 1
    # Welcomed back, as well as when they first joined.
    assert Message.objects.filter(recipient=joy, kind=WELCOME.key).count() == 2


# Sending again and withdrawing


def resend(client, invitation, slug: str = "lambeth"):
    return client.post(reverse("members:invitation_resend", kwargs={"slug": slug, "pk": invitation.pk}))


def revoke(client, invitation, slug: str = "lambeth"):
    return client.post(reverse("members:invitation_revoke", kwargs={"slug": slug, "pk": invitation.pk}))


def test_sending_again_gives_14_more_days_and_a_second_email_and_the_old_link_still_works(
    visitor, facilitator_client, collaborative, lambeth_invitation, mailoutbox
):
    assert deliver() == 1
    first_link = link_in(mailoutbox[0])
    Invitation.objects.filter(pk=lambeth_invitation.pk).update(
        sent_at=timezone.now() - timedelta(days=13), expires_at=timezone.now() + timedelta(days=1)
    )

    response = resend(facilitator_client, lambeth_invitation)

    assert response.status_code == 302
    assert response.headers["Location"] == invitations_url()
    assert flash(response) == ["The invitation to joy@example.net was sent again. It works for 14 days."]
    lambeth_invitation.refresh_from_db()
    assert lambeth_invitation.send_count == 2
    assert abs(lambeth_invitation.expires_at - (timezone.now() + timedelta(days=INVITATION_DAYS))) < timedelta(
        minutes=1
    )
    assert sorted(Message.objects.filter(kind=INVITATION.key).values_list("occasion", flat=True)) == [
        "send-1",
        "send-2",
    ]
    assert deliver() == 1
    assert len(mailoutbox) == 2
    assert link_in(mailoutbox[1]) == first_link
    assert "(2 times)" in text(facilitator_client.get(invitations_url()))

    assert visitor.get(first_link).status_code == 200
    joy = UserFactory(email="joy@example.net")
    visitor.force_login(joy)
    visitor.post(first_link)
    assert Membership.objects.filter(user=joy, collaborative=collaborative).exists()
    assert visitor.get(first_link).status_code == 302  # A member now: on to the Collaborative.
    visitor.logout()
    assert visitor.get(first_link).status_code == 410


def test_an_invitation_that_ran_out_can_be_sent_again(visitor, facilitator_client, collaborative):
    invitation = InvitationFactory(collaborative=collaborative, expires_at=timezone.now() - timedelta(days=2))
    assert visitor.get(invitation_path(invitation)).status_code == 410
    assert "The link has run out." in text(facilitator_client.get(invitations_url()))

    resend(facilitator_client, invitation)

    assert visitor.get(invitation_path(invitation)).status_code == 200


def test_withdrawing_stops_the_link_and_an_unsent_email_is_skipped(
    visitor, facilitator_client, collaborative, facilitator, lambeth_invitation, mailoutbox
):
    response = revoke(facilitator_client, lambeth_invitation)

    assert response.status_code == 302
    assert flash(response) == ["The invitation to joy@example.net was withdrawn. Its link no longer works."]
    lambeth_invitation.refresh_from_db()
    assert (lambeth_invitation.status, lambeth_invitation.revoked_by) == (Invitation.Status.REVOKED, facilitator)
    assert visitor.get(invitation_path(lambeth_invitation)).status_code == 410

    assert deliver() == 0
    assert mailoutbox == []
    message = Message.objects.get(kind=INVITATION.key)
    assert message.status == Message.Status.SKIPPED
    assert message.last_error == "The invitation was withdrawn before the email went out."

    page = text(facilitator_client.get(invitations_url()))
    assert "No invitations are waiting for an answer." in page
    assert "Earlier invitations" in page
    assert re.search(r"<td[^>]*>joy@example.net</td>.*?<td[^>]*>Withdrawn on ", page, re.DOTALL)


@pytest.mark.parametrize(
    ("status", "action", "error"),
    [
        (Invitation.Status.ACCEPTED, resend, "This invitation has been accepted."),
        (Invitation.Status.ACCEPTED, revoke, "This invitation has already been accepted."),
        (Invitation.Status.REVOKED, resend, "This invitation has been withdrawn."),
        (Invitation.Status.REVOKED, revoke, "This invitation has already been withdrawn."),
    ],
)
def test_sending_again_or_withdrawing_a_used_invitation_says_why_not_and_changes_nothing(
    facilitator_client, collaborative, status, action, error
):
    invitation = InvitationFactory(collaborative=collaborative, status=status)
    before = Invitation.objects.values().get(pk=invitation.pk)

    response = action(facilitator_client, invitation)

    assert response.status_code == 302
    assert flash(response) == [error]
    assert Invitation.objects.values().get(pk=invitation.pk) == before
    assert not Message.objects.exists()


@pytest.mark.parametrize("action", [resend, revoke])
def test_a_facilitator_elsewhere_cannot_touch_this_collaboratives_invitations(
    client, people, collaborative, lambeth_invitation, action
):
    before = Invitation.objects.values().get(pk=lambeth_invitation.pk)
    messages_before = Message.objects.count()
    client.force_login(people["outsider"])  # A facilitator of Luton.

    assert action(client, lambeth_invitation, slug="luton").status_code == 404
    assert action(client, lambeth_invitation, slug="lambeth").status_code == 404

    assert Invitation.objects.values().get(pk=lambeth_invitation.pk) == before
    assert Message.objects.count() == messages_before


@pytest.mark.parametrize("action", [resend, revoke])
def test_a_member_cannot_send_again_or_withdraw(member_client, collaborative, lambeth_invitation, action):
    before = Invitation.objects.values().get(pk=lambeth_invitation.pk)
    assert action(member_client, lambeth_invitation).status_code == 403
    assert Invitation.objects.values().get(pk=lambeth_invitation.pk) == before


# Nothing typed is lost (issue 12, item 14): "Send again" and "Withdraw" belong to the invitation form,
# so what was typed in it comes with them and is shown again in its boxes, neither checked nor sent.

TYPED = {"addresses": "sam@example.org\nnot an address", "role": "facilitator", "message": "See you at the cafe."}


def typed_in(page: str, name: str) -> str:
    """What a box of the invitation form holds (browsers drop the line break after <textarea>)."""
    found = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.DOTALL)
    assert found, name
    return found.group(1)


def test_withdrawing_an_invitation_keeps_the_addresses_typed(facilitator_client, lambeth_invitation):
    response = facilitator_client.post(
        reverse("members:invitation_revoke", kwargs={"slug": "lambeth", "pk": lambeth_invitation.pk}), TYPED
    )
    page = text(response)
    assert response.status_code == 200
    assert "The invitation to joy@example.net was withdrawn. Its link no longer works." in page
    assert typed_in(page, "addresses") == "sam@example.org\nnot an address"
    assert typed_in(page, "message") == "See you at the cafe."
    assert re.search(r'<input type="radio" name="role" value="facilitator"[^>]* checked', page)
    # Not sent: leaving asks first; "Send invitations" still sends them from here, at the withdrawing address.
    assert f'action="{invitations_url()}" id="invite-form" novalidate data-warn-unsaved="pending"' in page
    assert "need a look" not in page  # Not checked either: only "Send invitations" does that.
    assert Invitation.objects.get(pk=lambeth_invitation.pk).status == Invitation.Status.REVOKED
    assert invited("sam@example.org") == []


def test_sending_again_keeps_the_addresses_and_message_typed_and_sends_them_nothing(
    facilitator_client, lambeth_invitation
):
    response = facilitator_client.post(
        reverse("members:invitation_resend", kwargs={"slug": "lambeth", "pk": lambeth_invitation.pk}), TYPED
    )
    page = text(response)
    assert "The invitation to joy@example.net was sent again. It works for 14 days." in page
    assert typed_in(page, "addresses") == "sam@example.org\nnot an address"
    assert typed_in(page, "message") == "See you at the cafe."
    assert Invitation.objects.get(pk=lambeth_invitation.pk).send_count == 2
    assert invited("sam@example.org") == []
    assert Message.objects.filter(to_address="sam@example.org").count() == 0


def test_sending_again_a_used_invitation_says_why_not_and_keeps_what_was_typed(facilitator_client, collaborative):
    invitation = InvitationFactory(collaborative=collaborative, status=Invitation.Status.ACCEPTED)
    response = facilitator_client.post(
        reverse("members:invitation_resend", kwargs={"slug": "lambeth", "pk": invitation.pk}), TYPED
    )
    page = text(response)
    assert "This invitation has been accepted." in page
    assert typed_in(page, "addresses") == "sam@example.org\nnot an address"
    assert not Message.objects.exists()


def test_send_again_and_withdraw_belong_to_the_invitation_form(facilitator_client, lambeth_invitation):
    page = text(facilitator_client.get(invitations_url()))
    address = reverse("members:invitation_revoke", kwargs={"slug": "lambeth", "pk": lambeth_invitation.pk})
    assert f'form="invite-form" formaction="{address}"' in page
    assert page.count("<form") == 2  # Signing out, and the invitation form with every button.


# The list


def test_the_page_lists_invitations_waiting_and_earlier(facilitator_client, collaborative, facilitator):
    InvitationFactory(collaborative=collaborative, email="waiting@example.net", invited_by=facilitator)
    InvitationFactory(collaborative=collaborative, email="used@example.net", status=Invitation.Status.ACCEPTED)
    InvitationFactory(collaborative=collaborative, email="gone@example.net", status=Invitation.Status.REVOKED)
    InvitationFactory(email="elsewhere@example.net")  # Another Collaborative's.

    page = text(facilitator_client.get(invitations_url()))

    waiting, earlier = page.split("<h2>Waiting for an answer</h2>")[1].split("<h2>Earlier invitations</h2>")
    assert "waiting@example.net" in waiting
    assert f"by {facilitator.display_name}" in waiting
    assert 'Send again<span class="visually-hidden"> to waiting@example.net</span>' in waiting
    assert "used@example.net" not in waiting
    assert "gone@example.net" not in waiting
    assert '<td data-label="Email address">used@example.net</td>' in earlier
    assert '<td data-label="Email address">gone@example.net</td>' in earlier
    assert "elsewhere@example.net" not in page


def test_the_invitations_page_takes_the_same_number_of_queries_for_2_invitations_as_for_30(
    facilitator_client, collaborative, django_assert_num_queries
):
    statuses = [Invitation.Status.PENDING, Invitation.Status.ACCEPTED, Invitation.Status.REVOKED]

    def add(count: int) -> None:
        for _ in range(count):
            invited_by = MembershipFactory(collaborative=collaborative, role="facilitator").user
            InvitationFactory(
                collaborative=collaborative, invited_by=invited_by, status=statuses[Invitation.objects.count() % 3]
            )

    add(2)
    with CaptureQueriesContext(connection) as queries:
        assert facilitator_client.get(invitations_url()).status_code == 200
    add(28)
    with django_assert_num_queries(len(queries.captured_queries)):
        response = facilitator_client.get(invitations_url())
    assert text(response).count("<h3>invited") == 10  # A third of the 30 are waiting.


def test_signing_up_without_an_invitation_says_a_link_to_confirm_the_address_will_come(client):
    signup = client.get(reverse("account_signup")).content.decode()
    assert "We will email you a link to confirm your address before you can go on." in signup
    assert "Your invitation link has already confirmed" not in signup
