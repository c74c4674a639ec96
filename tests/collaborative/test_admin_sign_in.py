"""The site administration has no sign-in of its own (issue 12, hole 1).

Django's admin sign-in took a staff account's password alone: no code from the app, no
limit on wrong guesses, and the session it made opened facilitators' pages too. Now
/admin/login/ leads to the site's own sign-in (allauth: limits on tries, two-step sign-in)
and every admin page needs a site administrator whose session passed two-step sign-in.
"""

import html
from urllib.parse import quote, unquote

import pytest
from django.urls import reverse

from members.models import Membership
from tests.factories import PASSWORD, MembershipFactory, UserFactory, totp_code
from tests.test_access import ADMIN_PATHS

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")
TWO_STEP = reverse("members:two_step")


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def staff(collaborative):
    """A site administrator with an authenticator app, who also facilitates Lambeth."""
    person = UserFactory(is_staff=True, is_superuser=True)
    MembershipFactory(user=person, collaborative=collaborative, role=Membership.Role.FACILITATOR)
    return person


def test_the_admin_sign_in_form_takes_no_password(client, staff):
    response = client.post(ADMIN_LOGIN, {"username": staff.email, "password": PASSWORD, "next": ADMIN})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response.headers["Location"] == f"{reverse('account_login')}?next={ADMIN}"
    # So its session can never open a facilitator's page either.
    assert client.get("/c/lambeth/settings/").headers["Location"].startswith(reverse("account_login"))


def test_signing_in_to_the_admin_is_the_sites_sign_in_with_its_limit_on_wrong_passwords(client, staff):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": staff.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 200  # Refused, right password or not, until the limit passes.
    assert "Too many tries" in text(response)
    assert "_auth_user_id" not in client.session


def test_signing_in_to_the_admin_asks_for_the_code_from_the_app(client, staff):
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    login = response.redirect_chain[-1][0]
    response = client.post(login, {"login": staff.email, "password": PASSWORD})
    assert response.headers["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()}, follow=True)
    assert response.redirect_chain[-1][0] == ADMIN
    assert response.status_code == 200
    assert "Site administration" in text(response)


def test_a_site_administrator_without_an_app_is_sent_to_set_it_up_before_any_admin_page(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, two_factor=False))
    for path in ADMIN_PATHS:
        if path in (ADMIN_LOGIN, reverse("admin:logout")):
            continue
        response = client.get(path, follow=True)
        # allauth asks for the password again on the way to setting up the app.
        assert reverse("mfa_activate_totp") in unquote(response.redirect_chain[-1][0]), path


def test_a_site_administrators_session_without_the_code_opens_no_admin_page(client, staff):
    client.force_login(staff, two_step=False)  # The password alone, before they set up their app elsewhere.
    for path in ADMIN_PATHS:
        if path in (ADMIN_LOGIN, reverse("admin:logout")):
            continue
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0].startswith(TWO_STEP), path
    response = client.post(f"{TWO_STEP}?next={quote(ADMIN, safe='')}", {"code": totp_code()}, follow=True)
    assert response.redirect_chain[-1][0] == ADMIN
    assert response.status_code == 200


def test_people_who_are_not_site_administrators_are_told_so(client, people):
    client.force_login(people["facilitator"])
    response = client.get(f"{ADMIN_LOGIN}?next={ADMIN}")
    assert response.status_code == 403


def test_the_admin_sign_in_never_sends_people_off_site(client, staff):
    client.force_login(staff)
    response = client.get(f"{ADMIN_LOGIN}?next=//evil.example/")
    assert response.headers["Location"] == ADMIN
