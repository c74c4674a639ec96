"""An address added to an account but never confirmed links nothing to that account.

The attack: anyone can add someone else's address on allauth's "Email addresses" page,
where it stays unconfirmed (with ACCOUNT_PREVENT_ENUMERATION allauth accepts it even when
another account has it). It must then not show that person's records in the adder's
"Download my data", let the adder accept their invitation, erase their records when the
adder deletes their account, or stop them signing up. Each test below starts from that
attack, made on the real page.
"""

import json
import re
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from members.emails import INVITATION
from members.links import invitation_path
from members.models import Invitation, JoinRequest, Membership, User
from members.personal_data import account_erase
from members.services import invitation_accept, join_request_create
from notifications.models import Message
from notifications.services import messages_queue
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

VICTIM = "priya@example.net"
NEW_PASSWORD = "a-long-new-password-7"
CODE_LINE = re.compile(r"^[A-Z0-9-]{6,}$", re.M)  # A sign-in code: a line of capitals, digits and dashes.
RESET_LINK = re.compile(r"https?://testserver(/accounts/password/reset/key/\S+)")


@pytest.fixture
def adder(client, mailoutbox):
    """Someone who has added VICTIM to their own account on allauth's page, unconfirmed."""
    adder = UserFactory(email="adder@example.org")
    client.force_login(adder)
    response = client.post(reverse("account_email"), {"email": VICTIM, "action_add": ""})
    assert response.status_code == 302, response.content.decode()
    added = EmailAddress.objects.get(email=VICTIM)
    assert (added.user, added.verified) == (adder, False)
    mailoutbox.clear()  # allauth's "confirm this address", which only the victim could use.
    return adder


@pytest.fixture
def victims_records(collaborative, facilitator):
    """What the victim has with us without an account: an invitation, its queued email, a request to join."""
    invitation = InvitationFactory(
        collaborative=collaborative,
        email=VICTIM,
        message="Priya, your carers' group would be so welcome.",
        invited_by=facilitator,
    )
    messages_queue(
        addresses=[VICTIM], collaborative=collaborative, kind=INVITATION, about=invitation, occasion="send-1"
    )
    join_request = join_request_create(
        collaborative=collaborative,
        name="Priya Desai",
        email=VICTIM,
        message="I care for my son and want carers heard.",
        user=None,
    )
    return {"invitation": invitation, "join_request": join_request}


def test_unverified_address_does_not_show_their_join_requests_in_my_data(client, adder, victims_records):
    data = client.get(reverse("members:my_data_download")).json()

    assert data["requests_to_join"] == []
    assert "I care for my son" not in json.dumps(data)


def test_unverified_address_does_not_show_their_invitations_or_emails_in_my_data(client, adder, victims_records):
    data = client.get(reverse("members:my_data_download")).json()

    assert data["invitations_to_you"] == []
    assert [e for e in data["emails_sent_to_you"] if e["kind"] == "Invitation to join"] == []
    assert "your carers' group" not in json.dumps(data)
    # The address itself is the adder's own doing, and is listed as not confirmed.
    assert {"email": VICTIM, "confirmed": False, "main_address": False} in data["email_addresses"]


def test_unverified_address_cannot_accept_an_invitation(client, adder, victims_records, collaborative):
    invitation = victims_records["invitation"]
    link = invitation_path(invitation)

    page = client.get(link)
    assert page.status_code == 403
    assert "This invitation is for someone else" in page.content.decode()
    assert client.post(link).status_code == 403
    with pytest.raises(ValidationError, match="sent to another email address"):
        invitation_accept(invitation=invitation, user=adder)

    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (Invitation.Status.PENDING, None)


def test_deleting_my_account_leaves_invitations_to_my_unverified_address_alone(adder, victims_records):
    account_erase(user=adder)

    invitation = Invitation.objects.get(pk=victims_records["invitation"].pk)
    assert (invitation.status, invitation.email) == (Invitation.Status.PENDING, VICTIM)
    assert invitation.message == "Priya, your carers' group would be so welcome."
    email = Message.objects.get(kind="invitation")
    assert (email.status, email.to_address) == (Message.Status.PENDING, VICTIM)


def test_deleting_my_account_leaves_requests_to_join_from_my_unverified_address_alone(adder, victims_records):
    account_erase(user=adder)

    join_request = JoinRequest.objects.get(pk=victims_records["join_request"].pk)
    assert (join_request.status, join_request.name, join_request.email) == ("pending", "Priya Desai", VICTIM)
    assert join_request.message == "I care for my son and want carers heard."


def test_victim_can_sign_up_though_someone_added_their_address_unverified(adder, mailoutbox, settings):
    # allauth emails an address at most once every 3 minutes, and adding it started that
    # clock; the victim signs up later.
    settings.ACCOUNT_RATE_LIMITS = {"confirm_email": None}
    victim = Client()
    response = victim.post(
        reverse("account_signup"),
        {"display_name": "Priya Desai", "email": VICTIM, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    # An account is made, and the address is to be confirmed as for anyone signing up; allauth
    # would otherwise email "you already have an account" and make none.
    assert response.status_code == 302
    priya = User.objects.get(email=VICTIM)
    assert priya.display_name == "Priya Desai"
    [email] = mailoutbox
    assert email.to == [VICTIM]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", email.body).group(0)
    confirm = victim.post(link.split("testserver", 1)[-1])
    assert confirm.status_code == 302
    assert EmailAddress.objects.get(user=priya).verified
    # The adder's unconfirmed copy is gone (and could never be confirmed now).
    assert not EmailAddress.objects.filter(user=adder, email=VICTIM).exists()
    assert victim.post(reverse("account_login"), {"login": VICTIM, "password": NEW_PASSWORD}).status_code == 302


def test_victim_follows_their_invitation_signs_up_and_joins_though_someone_added_their_address_unverified(
    adder, victims_records, collaborative
):
    victim = Client()
    link = invitation_path(victims_records["invitation"])

    page = victim.get(link).content.decode()
    # No account has the address as its own, so the page offers to make one.
    assert "First, make an account" in page
    assert "You already have an account" not in page
    signup_url = f"{reverse('account_signup')}?{urlencode({'next': link})}"
    response = victim.post(
        signup_url,
        {
            "display_name": "Priya Desai",
            "email": VICTIM,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "next": link,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == link
    priya = User.objects.get(email=VICTIM)
    assert EmailAddress.objects.get(user=priya).verified  # The link proved the address.

    victim.post(link)
    assert Membership.objects.get(user=priya, collaborative=collaborative).is_active
    invitation = Invitation.objects.get(pk=victims_records["invitation"].pk)
    assert (invitation.status, invitation.accepted_by) == (Invitation.Status.ACCEPTED, priya)


def test_an_address_added_unverified_by_a_member_can_still_be_invited(client, adder, collaborative, facilitator):
    MembershipFactory(user=adder, collaborative=collaborative)
    client.force_login(facilitator)
    client.post(
        reverse("members:invitations", kwargs={"slug": collaborative.slug}),
        {"addresses": VICTIM, "role": "member", "message": ""},
    )

    assert Invitation.objects.filter(email=VICTIM, status=Invitation.Status.PENDING).exists()


# Finding the account for an address: a sign-in code, a password reset, a password sign-in.


@pytest.fixture
def victims_account(adder):
    """The victim's own account, which they signed up for and have not confirmed yet (they have
    not opened the link we emailed them)."""
    return UserFactory(email=VICTIM, display_name="Priya Desai", email_address__verified=False)


@pytest.fixture
def site_admin_client() -> Client:
    site_admin = Client()
    site_admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    return site_admin


def signed_in_id(client) -> str | None:
    return client.session.get(SESSION_KEY)


def test_a_sign_in_code_for_my_address_never_opens_the_account_that_added_it(adder, mailoutbox):
    victim = Client()
    response = victim.post(reverse("account_request_login_code"), {"email": VICTIM})

    assert response.status_code == 302
    # As for any address with no account: no code, only word that there is no account.
    [email] = mailoutbox
    assert email.to == [VICTIM]
    assert not CODE_LINE.search(email.body), email.body
    assert "/accounts/signup/" in email.body
    assert signed_in_id(victim) is None
    assert not EmailAddress.objects.get(email=VICTIM).verified


def test_a_sign_in_code_for_my_address_opens_my_own_account(adder, victims_account, mailoutbox):
    victim = Client()
    victim.post(reverse("account_request_login_code"), {"email": VICTIM})
    [email] = mailoutbox
    code = CODE_LINE.search(email.body).group(0)

    response = victim.post(reverse("account_confirm_login_code"), {"code": code})

    assert response.status_code == 302
    assert signed_in_id(victim) == str(victims_account.pk)
    # Typing the code confirmed the address on the victim's account, and never on the adder's.
    assert EmailAddress.objects.get(email=VICTIM, user=victims_account).verified
    assert not EmailAddress.objects.get(email=VICTIM, user=adder).verified


def test_a_password_reset_for_my_address_never_resets_the_account_that_added_it(adder, mailoutbox):
    victim = Client()
    response = victim.post(reverse("account_reset_password"), {"email": VICTIM})

    assert response["Location"] == reverse("account_reset_password_done")
    [email] = mailoutbox
    assert email.to == [VICTIM]
    assert not RESET_LINK.search(email.body), email.body
    adder.refresh_from_db()
    assert adder.check_password(PASSWORD)


def test_a_password_reset_for_my_address_resets_only_my_own_account(adder, victims_account, mailoutbox):
    victim = Client()
    victim.post(reverse("account_reset_password"), {"email": VICTIM})

    [email] = mailoutbox  # One link, for the victim's account alone.
    form_page = victim.get(RESET_LINK.search(email.body).group(1), follow=True)
    done = victim.post(form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert done.status_code == 302
    victims_account.refresh_from_db()
    adder.refresh_from_db()
    assert victims_account.check_password(NEW_PASSWORD)
    assert adder.check_password(PASSWORD)


def test_the_adder_cannot_sign_in_with_the_address_they_added(adder, mailoutbox):
    response = Client().post(reverse("account_login"), {"login": VICTIM, "password": PASSWORD})

    # The same answer as a wrong password; allauth would otherwise email the victim a link that
    # confirms their address on the adder's account.
    assert response.status_code == 200
    assert "The email address or password is not right." in response.content.decode()
    assert mailoutbox == []
    assert not EmailAddress.objects.get(email=VICTIM).verified


def test_my_own_password_signs_me_in_though_someone_added_my_address(adder, victims_account):
    EmailAddress.objects.filter(user=victims_account).update(verified=True)
    victim = Client()

    response = victim.post(reverse("account_login"), {"login": VICTIM.upper(), "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_id(victim) == str(victims_account.pk)


def test_the_site_administration_can_make_an_account_for_an_address_someone_only_added(adder, site_admin_client):
    response = site_admin_client.post(
        "/admin/members/user/add/", {"email": VICTIM, "display_name": "Priya Desai", "usable_password": "false"}
    )

    assert response.status_code == 302, response.content.decode()
    priya = User.objects.get(email=VICTIM)
    # As at sign-up: the adder's unconfirmed copy is taken off, so it can never be confirmed there.
    assert not EmailAddress.objects.filter(user=adder, email=VICTIM).exists()
    assert priya.display_name == "Priya Desai"
