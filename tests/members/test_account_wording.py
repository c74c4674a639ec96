"""allauth's pages and emails in the site's own plain words (issue 15, item 5).

Every email the site's settings let allauth send is made here through the real flows (a sign-in
code, sign-up, a password reset for a known and an unknown address, signing up again with an
address that has an account, adding an address, a code to confirm it is you), and each must be
in our words, say how long its code or link works (read from the settings, so the words follow
them), and carry none of allauth's defaults. The account pages are walked the same way.
"""

import html
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# allauth's own words, which must not reach anyone.
DEFAULT_EMAIL_WORDS = [
    "Sign-In Code",
    "sign-in code is listed below",
    "expires shortly",
    "did not initiate",
    "open browser window",
    "You're receiving this",
    "You are receiving this",
    "Hello from Living Well Collaboratives!",
    "Thank you for using",
    "Please Confirm",
    "Unknown Account",
    "Account Already Exists",
    "Password Reset Email",
    "safely ignored",
    "password forgotten procedure",
    "example.com",
]
DEFAULT_PAGE_WORDS = [
    "Enter Sign-In Code",
    "expires shortly",
    "Verify Your Email Address",
    "Password Reset",
    "Change Password",
    "Set Password",
    "Account Inactive",
    "Email Addresses",
    "Make Primary",
    "Re-send Verification",
    "Add Email",
    "Reset My Password",
    "Please contact us",
    ">Cancel<",
]


def words_of(response) -> str:
    return html.unescape(response.content.decode())


def assert_plain(text: str, defaults: list[str]) -> None:
    for phrase in defaults:
        assert phrase not in text, f"allauth's {phrase!r} in: {text}"


@pytest.fixture
def person(db):
    return UserFactory(email="kit@example.org", display_name="Kit Walsh")


def every_email_the_site_sends(client, person) -> dict[str, object]:
    """One of each email allauth sends with the site's settings, by what it is for."""

    def last_after(action) -> object:
        before = len(mail.outbox)
        action()
        assert len(mail.outbox) == before + 1, f"no email after {action}"
        return mail.outbox[-1]

    emails = {
        "login_code": last_after(lambda: client.post(reverse("account_request_login_code"), {"email": person.email})),
        "unknown_account": last_after(
            lambda: Client().post(reverse("account_reset_password"), {"email": "nobody@example.org"})
        ),
        "password_reset_key": last_after(
            lambda: Client().post(reverse("account_reset_password"), {"email": person.email})
        ),
        "email_confirmation_signup": last_after(
            lambda: Client().post(
                reverse("account_signup"),
                {"display_name": "Joy", "email": "joy@example.org", "password1": PASSWORD, "password2": PASSWORD},
            )
        ),
        "account_already_exists": last_after(
            lambda: Client().post(
                reverse("account_signup"),
                {"display_name": "Kit", "email": person.email, "password1": PASSWORD, "password2": PASSWORD},
            )
        ),
    }
    signed_in = Client()
    signed_in.force_login(person)
    emails["email_confirmation"] = last_after(
        lambda: signed_in.post(reverse("account_email"), {"action_add": "", "email": "kit.walsh@example.org"})
    )
    emails["reauthentication_code"] = last_after(
        lambda: signed_in.post(reverse("members:reauthenticate_by_email"), {"send": "1"})
    )
    return emails


# How long each one's code or link works, as the settings below make it.
LASTS = {
    "login_code": "5 minutes",
    "password_reset_key": "2 days",
    "email_confirmation_signup": "4 days",
    "email_confirmation": "4 days",
    "reauthentication_code": "10 minutes",
}


def test_every_email_allauth_sends_is_in_our_words_and_says_how_long_it_works(client, person, settings):
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
    settings.PASSWORD_RESET_TIMEOUT = 2 * 86400
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 4
    emails = every_email_the_site_sends(client, person)

    for what, email in emails.items():
        assert_plain(f"{email.subject}\n{email.body}", DEFAULT_EMAIL_WORDS)
        assert email.body.startswith("Hello from Living Well Collaboratives,"), what
        if what in LASTS:
            assert f"works {'once, ' if what == 'password_reset_key' else ''}for {LASTS[what]}" in email.body, what

    code = emails["login_code"]
    assert code.subject == "Your code to sign in to Living Well Collaboratives"
    assert re.search(r"^[A-Z0-9-]{6,}$", code.body, re.M)  # The code, on a line of its own.
    assert "You do not need to do anything: no one can sign in without this code." in code.body
    assert emails["unknown_account"].subject == "There is no account with this email address"
    assert emails["account_already_exists"].subject == "You already have an account"
    assert emails["password_reset_key"].subject == "Choose a new password"
    assert emails["email_confirmation"].subject == "Confirm your email address"


def test_the_sign_in_code_page_says_how_long_the_code_works_and_starting_again_is_a_plain_link(
    client, person, settings
):
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
    response = client.post(reverse("account_request_login_code"), {"email": person.email}, follow=True)
    text = words_of(response)
    assert_plain(text, DEFAULT_PAGE_WORDS)
    assert "<h1>Type your sign-in code</h1>" in text
    assert "We have emailed a sign-in code to kit@example.org. It works for 10 minutes" in re.sub(r"<[^>]+>", "", text)
    assert '<button type="submit">Sign in</button>' in text
    assert '<button type="submit" class="link-button">Start again</button>' in text
    assert f'<a href="{reverse("account_request_login_code")}">Ask for a new code</a>' in text


PAGES = [
    ("account_inactive", False, "This account is closed"),
    ("account_reset_password", False, "Forgotten your password?"),
    ("account_reset_password_done", False, "Check your email"),
    ("account_reset_password_from_key_done", False, "Your new password is saved"),
    ("account_email_verification_sent", False, "Check your email"),
    ("account_change_password", True, "Change your password"),
    ("account_email", True, "Your email addresses"),
]


@pytest.mark.parametrize(("name", "signed_in", "heading"), PAGES)
def test_every_account_page_is_in_our_words(client, person, name, signed_in, heading):
    if signed_in:
        client.force_login(person)
    response = client.get(reverse(name))
    assert response.status_code == 200
    text = words_of(response)
    assert f"<h1>{heading}</h1>" in text
    assert_plain(text, DEFAULT_PAGE_WORDS)


def test_the_pages_about_a_reset_link_say_how_long_it_works(client, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    for name in ("account_reset_password", "account_reset_password_done"):
        assert "works once, for 1 hour" in words_of(client.get(reverse(name)))
    expired = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x-y"}))
    assert "work once, for 1 hour" in words_of(expired)


def test_the_messages_after_signing_in_by_code_are_ours(client, person, settings):
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 180
    response = client.post(reverse("account_request_login_code"), {"email": person.email}, follow=True)
    assert "We have emailed a sign-in code to kit@example.org. It works for 3 minutes." in words_of(response)
