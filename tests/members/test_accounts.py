"""Accounts: sign-up with mandatory verification, password and code login, password reset,
rate limits, sessions, and allauth's pages in our layout.

Real requests through the test client, checked against allauth 65.21's own behaviour
(allauth/account/forms.py, views.py, internal/flows/). Rate-limit counters start at zero in
every test (conftest gives each test its own cache key prefix).
"""

import html
import re
import time
from datetime import timedelta

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collaborative.middleware import RENEWED_SESSION_KEY
from members.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-password-2"
WRONG_LOGIN = "The email address or password is not right. Check both and try again."
TOO_MANY_FAILED = "Too many tries to sign in. Please wait a few minutes, then try again."
SKIP_LINK = "Skip to main content"


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def main_text(response, *, email: str = "") -> str:
    """The <main> element, without CSRF tokens and with `email` replaced, to compare two pages."""
    match = re.search(r"<main\b.*?</main>", page_text(response), re.S)
    assert match, "the page has no <main> element"
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", match.group(0))
    if email:
        text = re.sub(re.escape(email), "EMAIL", text, flags=re.IGNORECASE)
    return text


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


def link_in(message) -> str:
    """The path of the first link to this site in an email."""
    match = re.search(r"https?://testserver(/\S+)", message.body)
    assert match, f"no link in: {message.body}"
    return match.group(1)


def code_in(message) -> str:
    """The sign-in code: the line of the email that is nothing but capitals, digits and dashes."""
    match = re.search(r"^([A-Z0-9-]{6,})$", message.body, re.M)
    assert match, f"no code in: {message.body}"
    return match.group(1)


def signed_in_id(client) -> str | None:
    return client.session.get(SESSION_KEY)


def allowed(action: str, per: str) -> int:
    """How many requests allauth's rate limit for `action` allows per "ip" or per "key" (account)."""
    for rate in account_settings.RATE_LIMITS[action].split(","):
        amount, _duration, rate_per = ([*rate.strip().split("/"), "ip"])[:3]
        if rate_per == per:
            return int(amount)
    raise AssertionError(f"no {per} rate limit for {action}")


def sign_up(client, **overrides):
    data = {"display_name": "Ann Example", "email": "ann@example.org", "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("account_signup"), data | overrides)


def log_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra})


def request_code(client, email: str):
    return client.post(reverse("account_request_login_code"), {"email": email})


# Sign-up


def test_signup_asks_for_name_email_and_password(client):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    form = response.context["form"]
    assert {"display_name", "email", "password1", "password2"} <= set(form.fields)
    assert form.fields["display_name"].label == "Your name"


def test_signup_sends_a_verification_email_and_does_not_sign_in(client, mailoutbox):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_id(client) is None
    assert client.get(reverse("members:start"))["Location"].startswith(reverse("account_login"))
    user = User.objects.get(email="ann@example.org")
    assert user.display_name == "Ann Example"
    assert not EmailAddress.objects.get(user=user).verified
    [message] = mailoutbox
    assert message.to == ["ann@example.org"]
    assert "/accounts/confirm-email/" in link_in(message)


def test_confirmation_link_shows_a_confirm_page_then_verifies_and_signs_in(client, mailoutbox):
    sign_up(client)
    link = link_in(mailoutbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm" in page_text(page)
    address = EmailAddress.objects.get(email="ann@example.org")
    assert not address.verified, "a GET (a mail scanner opening the link) must not verify"

    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == reverse("members:start")
    address.refresh_from_db()
    assert address.verified
    assert signed_in_id(client) == str(address.user.pk)
    assert address.user.display_name == "Ann Example"


def test_unverified_person_cannot_sign_in_with_password(client, mailoutbox):
    sign_up(client)

    other_browser = Client()
    response = log_in(other_browser, "ann@example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_id(other_browser) is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password2": "a-different-password-3"}, "You must type the same password each time."),
        ({"display_name": ""}, "This field is required."),
        ({"email": "ann-at-example.org"}, "Enter a valid email address."),
    ],
    ids=["mismatched-passwords", "missing-name", "invalid-email"],
)
def test_bad_signup_re_renders_with_a_plain_message_and_creates_nobody(client, mailoutbox, overrides, message):
    response = sign_up(client, **overrides)

    assert response.status_code == 200
    assert message in page_text(response)
    assert not User.objects.exists()
    assert mailoutbox == []


def test_signup_with_an_existing_email_looks_the_same_and_tells_the_owner(client, member, mailoutbox):
    new = sign_up(client, email="new-person@example.org")
    other_browser = Client()
    existing = sign_up(other_browser, email=member.email.upper(), display_name="Someone Else")

    assert existing.status_code == new.status_code == 302
    assert existing["Location"] == new["Location"]
    assert main_text(other_browser.get(existing["Location"]), email=member.email) == main_text(
        client.get(new["Location"]), email="new-person@example.org"
    )
    assert User.objects.filter(email__iexact=member.email).count() == 1
    member.refresh_from_db()
    assert member.display_name != "Someone Else"
    assert member.check_password(PASSWORD)
    to_owner = mailoutbox[-1]
    assert to_owner.to == [member.email]
    assert "already exists" in to_owner.body
    assert "/accounts/password/reset/" in to_owner.body
    assert "/accounts/confirm-email/" not in to_owner.body


def test_tampered_confirmation_link_shows_a_plain_page(client, mailoutbox):
    sign_up(client)
    link = link_in(mailoutbox[0])

    response = client.get(link[:-6] + "XXXXX/")

    assert response.status_code == 200
    assert "This link has expired or is not valid." in page_text(response)


# Login with a password


def test_password_login_goes_to_the_start_page(client, member):
    response = log_in(client, member.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("members:start") == "/"
    assert signed_in_id(client) == str(member.pk)


def test_wrong_password_and_unknown_email_get_the_same_plain_message(client, member):
    wrong_password = log_in(client, member.email, "not-the-password")
    unknown_email = log_in(client, "nobody@example.org", "not-the-password")

    assert wrong_password.status_code == unknown_email.status_code == 200
    assert WRONG_LOGIN in page_text(wrong_password)
    assert main_text(wrong_password, email=member.email) == main_text(unknown_email, email="nobody@example.org")
    assert signed_in_id(client) is None


def test_email_matching_is_case_insensitive(client, member):
    response = log_in(client, member.email.upper())

    assert response.status_code == 302
    assert signed_in_id(client) == str(member.pk)


# Login by code


def test_login_code_is_emailed_and_signs_in(client, member, mailoutbox):
    response = request_code(client, member.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_confirm_login_code")
    [message] = mailoutbox
    assert message.to == [member.email]
    assert client.get(response["Location"]).status_code == 200

    signed_in = client.post(reverse("account_confirm_login_code"), {"code": code_in(message)})

    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("members:start")
    assert signed_in_id(client) == str(member.pk)


def test_wrong_login_code_is_refused_with_a_message(client, member, mailoutbox):
    request_code(client, member.email)

    response = client.post(reverse("account_confirm_login_code"), {"code": "WRONG-CODE"})

    assert response.status_code == 200
    assert "Incorrect code." in page_text(response)
    assert signed_in_id(client) is None


def test_too_many_wrong_login_codes_start_over(client, member, mailoutbox):
    request_code(client, member.email)
    for _ in range(account_settings.LOGIN_BY_CODE_MAX_ATTEMPTS - 1):
        client.post(reverse("account_confirm_login_code"), {"code": "WRONG-CODE"})

    response = client.post(reverse("account_confirm_login_code"), {"code": "WRONG-CODE"}, follow=True)

    assert response.redirect_chain == [(reverse("account_request_login_code"), 302)]
    assert TOO_MANY_FAILED in page_text(response)
    assert signed_in_id(client) is None


def test_unknown_email_gets_the_same_next_page_and_no_code(client, member, mailoutbox):
    known = request_code(client, member.email)
    other_browser = Client()
    unknown = request_code(other_browser, "nobody@example.org")

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert main_text(other_browser.get(unknown["Location"]), email="nobody@example.org") == main_text(
        client.get(known["Location"]), email=member.email
    )
    # allauth tells the address that it has no account (ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS), with no code in it.
    to_unknown = [message for message in mailoutbox if message.to == ["nobody@example.org"]]
    assert len(to_unknown) == 1
    assert not re.search(r"^[A-Z0-9-]{6,}$", to_unknown[0].body, re.M)
    assert "/accounts/signup/" in to_unknown[0].body


def test_expired_login_code_is_refused(client, member, mailoutbox, settings):
    request_code(client, member.email)
    client.get(reverse("account_confirm_login_code"))
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 0  # the code was sent longer ago than the timeout

    response = client.post(reverse("account_confirm_login_code"), {"code": code_in(mailoutbox[0])})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_request_login_code")
    assert signed_in_id(client) is None


def test_expired_login_code_says_the_code_has_expired(client, member, mailoutbox, settings):
    """allauth alone sends the person back to "Send me a sign-in code" with no reason."""
    request_code(client, member.email)
    client.get(reverse("account_confirm_login_code"))
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 0

    response = client.post(reverse("account_confirm_login_code"), {"code": code_in(mailoutbox[0])}, follow=True)

    assert signed_in_id(client) is None
    assert "expired" in main_text(response).lower(), "the person should be told their code has expired"


# Password reset


def test_password_reset_link_sets_a_new_password(client, member, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": member.email})

    assert response["Location"] == reverse("account_reset_password_done")
    [message] = mailoutbox
    assert message.to == [member.email]
    form_page = client.get(link_in(message), follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]

    done = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    assert log_in(Client(), member.email, PASSWORD).status_code == 200  # the old one is refused
    new_browser = Client()
    assert log_in(new_browser, member.email, NEW_PASSWORD)["Location"] == reverse("members:start")
    assert signed_in_id(new_browser) == str(member.pk)


def test_password_reset_for_unknown_email_shows_the_same_done_page(client, member, mailoutbox):
    known = client.post(reverse("account_reset_password"), {"email": member.email}, follow=True)
    unknown = Client().post(reverse("account_reset_password"), {"email": "nobody@example.org"}, follow=True)

    assert unknown.redirect_chain == known.redirect_chain == [(reverse("account_reset_password_done"), 302)]
    assert main_text(unknown) == main_text(known)
    # allauth tells the unknown address that it has no account; it gets no reset link.
    to_unknown = [message for message in mailoutbox if message.to == ["nobody@example.org"]]
    assert len(to_unknown) == 1
    assert "/accounts/password/reset/key/" not in to_unknown[0].body


def test_tampered_reset_link_shows_a_plain_invalid_link_page(client, member, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = link_in(mailoutbox[0])

    response = client.get(link[:-6] + "00000/")

    assert response.status_code == 200
    assert "This link has expired or is not valid" in page_text(response)
    assert SKIP_LINK in page_text(response)


def test_tampered_reset_link_has_a_plain_heading(client, member, mailoutbox):
    """allauth's own heading for a bad link is the jargon "Bad Token"."""
    client.post(reverse("account_reset_password"), {"email": member.email})

    response = client.get(link_in(mailoutbox[0])[:-6] + "00000/")

    assert "Token" not in re.search(r"<h1>(.*?)</h1>", page_text(response), re.S).group(1)


# Rate limits


def test_repeated_failed_logins_for_one_account_are_refused_for_a_while(client, member):
    for _ in range(allowed("login_failed", "key")):  # 5 in 5 minutes per account
        assert WRONG_LOGIN in page_text(log_in(client, member.email, "not-the-password"))

    refused = log_in(client, member.email, "not-the-password")
    even_the_right_password = log_in(client, member.email, PASSWORD)

    assert refused.status_code == even_the_right_password.status_code == 200
    assert TOO_MANY_FAILED in page_text(refused)
    assert TOO_MANY_FAILED in page_text(even_the_right_password)
    assert signed_in_id(client) is None


def flood_login(client):
    for _ in range(allowed("login", "ip")):  # 30 a minute per IP address
        assert client.post(reverse("account_login"), {}).status_code == 200
    return client.post(reverse("account_login"), {})


def test_too_many_login_requests_get_a_readable_429(client):
    response = flood_login(client)

    assert response.status_code == 429
    assert "try again" in page_text(response).lower()


def test_too_many_requests_page_uses_our_layout(client):
    """Without templates/429.html allauth answers with its bare fallback HTML."""
    response = flood_login(client)

    assert response.status_code == 429
    assert SKIP_LINK in page_text(response)
    assert '<main id="main"' in page_text(response)
    assert h1_count(response) == 1


# Sessions


def session_cookie(response):
    return response.cookies[django_settings.SESSION_COOKIE_NAME]


def test_keep_me_signed_in_keeps_the_session_for_the_idle_period(client, member, settings):
    response = log_in(client, member.email, remember="on")

    assert signed_in_id(client) == str(member.pk)
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert int(session_cookie(response)["max-age"]) == settings.SESSION_COOKIE_AGE


def test_without_keep_me_signed_in_the_session_ends_with_the_browser(client, member):
    response = log_in(client, member.email)

    assert signed_in_id(client) == str(member.pk)
    assert client.session.get_expire_at_browser_close()
    assert session_cookie(response)["max-age"] == ""
    assert session_cookie(response)["expires"] == ""


def test_a_visit_renews_the_session_once_the_renewal_interval_has_passed(client, member, settings):
    log_in(client, member.email, remember="on")
    session = client.session
    session[RENEWED_SESSION_KEY] = int(time.time()) - settings.SESSION_RENEW_SECONDS  # Last renewed an hour ago.
    session.save()
    stored = Session.objects.filter(session_key=client.session.session_key)
    stored.update(expire_date=timezone.now() + timedelta(minutes=1))  # nearly idle for the whole period

    response = client.get(reverse("members:profile"))

    assert response.status_code == 200
    renewed_until = stored.get().expire_date
    assert renewed_until >= timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert int(session_cookie(response)["max-age"]) == settings.SESSION_COOKIE_AGE


def test_a_visit_within_the_renewal_interval_writes_nothing_to_the_session(client, member):
    log_in(client, member.email, remember="on")
    client.get(reverse("members:profile"))  # Whatever the first page after signing in notes in the session.
    stored = Session.objects.filter(session_key=client.session.session_key)
    expiry = stored.get().expire_date

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("members:profile"))

    assert response.status_code == 200
    assert not [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert stored.get().expire_date == expiry
    assert django_settings.SESSION_COOKIE_NAME not in response.cookies


def test_an_idle_session_ends(client, member):
    log_in(client, member.email, remember="on")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(reverse("members:profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_login_asks_keep_me_signed_in(client):
    """allauth labels the checkbox "Remember Me"; we ask in plainer words."""
    response = client.get(reverse("account_login"))

    assert response.context["form"].fields["remember"].label == "Keep me signed in on this device"


# Tampered forms and layout


def test_login_post_without_csrf_token_gets_a_plain_403(member):
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("account_login"))  # sets the CSRF cookie; the form below leaves out its token

    response = log_in(browser, member.email)

    assert response.status_code == 403
    assert "Please try again" in page_text(response)
    assert SKIP_LINK in page_text(response)
    assert signed_in_id(browser) is None


@pytest.mark.parametrize(
    "url_name", ["account_login", "account_signup", "account_reset_password", "account_request_login_code"]
)
def test_allauth_pages_use_our_layout(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert SKIP_LINK in page_text(response)
    assert '<main id="main"' in page_text(response)
    assert h1_count(response) == 1


def test_account_emails_name_the_service(client, mailoutbox):
    """allauth's own emails greet "Hello from <host name>!" and sign off with the host name."""
    sign_up(client)

    [message] = mailoutbox

    assert "Living Well Collaboratives" in message.body
    assert "Hello from testserver" not in message.body
