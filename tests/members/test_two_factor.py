"""Two-step sign-in (allauth.mfa) for facilitators and commissioners.

A facilitator without an authenticator app who opens a facilitator's page is sent to set
one up, with a plain explanation, and then on to the page. Real requests through the
test client: the password again (allauth asks for it before two-step sign-in changes),
the set-up form with a code computed from the secret shown on the page, the recovery
codes, then the page. Members are never asked.
"""

import html
import importlib
import json
import re
from urllib.parse import quote

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from collaborative.middleware import EXPLANATION, NEXT_SESSION_KEY
from collaborative.permissions import (
    TwoFactorRequired,
    TwoStepCodeRequired,
    commissioner_membership_for,
    facilitator_membership_for,
)
from members.models import Membership
from members.secrets import secret_decrypt
from tests.factories import PASSWORD, TOTP_SECRET, MembershipFactory, TotpFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db

SETTINGS = "/c/lambeth/settings/"
ACTIVATE = reverse("mfa_activate_totp")


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def newcomer(collaborative):
    """A facilitator who has not set up two-step sign-in yet."""
    return MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR, two_factor=False).user


def sign_in(client, user) -> None:
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, text(response)


def secret_on(response) -> str:
    match = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', response.content.decode())
    assert match, "the set-up page shows no key to type"
    return match.group(1)


def test_a_facilitator_without_an_app_is_sent_to_set_it_up_with_the_page_they_wanted(client, newcomer):
    client.force_login(newcomer)
    response = client.get(SETTINGS)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{ACTIVATE}?next={quote(SETTINGS, safe='')}"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [EXPLANATION]
    assert client.session[NEXT_SESSION_KEY] == SETTINGS
    # Set up from the overview instead? It offers the way on as well.
    assert f'<a class="button" href="{SETTINGS}">Go on to the page you wanted</a>' in text(
        client.get(reverse("mfa_index"))
    )


def test_a_post_changes_nothing_before_set_up(client, newcomer):
    client.force_login(newcomer)
    response = client.post(SETTINGS, {"name": "Changed"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(ACTIVATE)
    assert newcomer.memberships.get().collaborative.name != "Changed"


# Transactions commit as they do in production: allauth adds its messages after the commit.
@pytest.mark.django_db(transaction=True)
def test_setting_up_leads_through_the_recovery_codes_to_the_page(client, newcomer):
    sign_in(client, newcomer)
    response = client.get(SETTINGS, follow=True)
    # allauth asks for the password again before two-step sign-in changes; the
    # explanation is on the first page the person sees.
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate") + "?next=")
    page = text(response)
    assert "Confirm it is you" in page
    assert EXPLANATION in page

    response = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == f"{ACTIVATE}?next={quote(SETTINGS, safe='')}"
    page = text(response)
    assert "Set up two-step sign-in" in page
    assert 'src="data:image/svg+xml;base64,' in page  # The QR code; CSP allows data: images.
    secret = secret_on(response)

    response = client.post(ACTIVATE, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert response.status_code == 200
    assert "There is a problem" in text(response)
    assert not Authenticator.objects.filter(user=newcomer).exists()

    response = client.post(ACTIVATE, {"code": totp_code(secret)}, follow=True)
    assert response.redirect_chain == [(reverse("mfa_view_recovery_codes"), 302)]
    page = text(response)
    assert "Your recovery codes" in page
    assert "Two-step sign-in is on." in page
    codes = re.findall(r"<li><code>(\w+)</code></li>", page)
    assert len(codes) == 10
    assert f'<a class="button" href="{SETTINGS}">I have kept my codes: go on</a>' in page

    response = client.get(SETTINGS)
    assert response.status_code == 200
    assert NEXT_SESSION_KEY not in client.session  # Arrived: nothing left to go on to.
    assert "go on" not in text(client.get(reverse("mfa_view_recovery_codes")))


def test_htmx_requests_are_told_to_load_the_set_up_page(client, newcomer):
    client.force_login(newcomer)
    emails = reverse("notifications:collaborative_list", kwargs={"slug": "lambeth"})
    response = client.get(
        f"{emails}?q=alice",
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{emails}?status=failed"},
    )
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert response.headers["HX-Redirect"] == f"{ACTIVATE}?next={quote(f'{emails}?status=failed', safe='')}"
    assert client.session[NEXT_SESSION_KEY] == f"{emails}?status=failed"


def test_htmx_never_sends_people_off_site(client, newcomer):
    client.force_login(newcomer)
    response = client.get(
        SETTINGS, headers={"HX-Request": "true", "HX-Current-URL": "http://testserver//evil.example/"}
    )
    assert response.headers["HX-Redirect"] == f"{ACTIVATE}?next={quote(SETTINGS, safe='')}"


def test_a_facilitator_with_an_app_goes_straight_in(facilitator_client):
    assert facilitator_client.get(SETTINGS).status_code == 200


@pytest.mark.parametrize(
    "name", ["home:collaborative_home", "members:directory", "home:at_the_table", "members:ground_rules"]
)
def test_members_are_never_asked(member_client, name):
    assert member_client.get(reverse(name, kwargs={"slug": "lambeth"})).status_code == 200


def test_a_member_on_a_facilitators_page_is_refused_not_sent_to_set_up(member_client):
    response = member_client.get(SETTINGS)
    assert response.status_code == 403
    assert NEXT_SESSION_KEY not in member_client.session


def test_a_facilitator_is_asked_only_for_facilitator_pages(client, newcomer):
    client.force_login(newcomer)
    assert client.get(reverse("home:collaborative_home", kwargs={"slug": "lambeth"})).status_code == 200


class TestAccessFunctions:
    """The rules themselves. `two_step_session` is what collaborative.middleware notes on the
    signed-in person from allauth's record of this session's sign-in steps."""

    def test_commissioners_need_two_step_sign_in(self, collaborative):
        commissioner = MembershipFactory(
            collaborative=collaborative, role=Membership.Role.COMMISSIONER, two_factor=False
        ).user
        with pytest.raises(TwoFactorRequired):
            commissioner_membership_for(commissioner, "lambeth")
        TotpFactory(user=commissioner)
        with pytest.raises(TwoStepCodeRequired):  # An app, but this session has not given its code.
            commissioner_membership_for(commissioner, "lambeth")
        commissioner.two_step_session = True
        assert commissioner_membership_for(commissioner, "lambeth").user == commissioner

    @pytest.mark.parametrize("role", ["member", "facilitator"])
    def test_other_roles_are_refused_by_commissioner_pages(self, people, role):
        with pytest.raises(PermissionDenied):
            commissioner_membership_for(people[role], "lambeth")

    def test_outsiders_get_404_from_commissioner_pages(self, people):
        with pytest.raises(Http404):
            commissioner_membership_for(people["outsider"], "lambeth")

    def test_facilitators_need_two_step_sign_in(self, newcomer):
        with pytest.raises(TwoFactorRequired):
            facilitator_membership_for(newcomer, "lambeth")
        TotpFactory(user=newcomer)
        with pytest.raises(TwoStepCodeRequired):
            facilitator_membership_for(newcomer, "lambeth")
        newcomer.two_step_session = True
        assert facilitator_membership_for(newcomer, "lambeth").user == newcomer

    def test_recovery_codes_alone_are_not_enough(self, newcomer):
        TotpFactory(user=newcomer).delete()  # Leaves the recovery codes behind.
        with pytest.raises(TwoFactorRequired):
            facilitator_membership_for(newcomer, "lambeth")

    @pytest.mark.parametrize("role", ["member", "commissioner"])
    def test_the_role_is_checked_before_two_step_sign_in(self, collaborative, role):
        person = MembershipFactory(collaborative=collaborative, role=role, two_factor=False).user
        with pytest.raises(PermissionDenied):
            facilitator_membership_for(person, "lambeth")


class TestSigningIn:
    def test_a_person_with_an_app_is_asked_for_its_code_after_the_password(self, client, facilitator):
        response = client.post(reverse("account_login"), {"login": facilitator.email, "password": PASSWORD})
        assert response.headers["Location"] == reverse("mfa_authenticate")
        page = text(client.get(reverse("mfa_authenticate")))
        assert "Type the code from your app" in page
        assert "_auth_user_id" not in client.session  # Not signed in yet.

        response = client.post(reverse("mfa_authenticate"), {"code": "12345"})
        assert response.status_code == 200
        assert "There is a problem" in text(response)
        assert "_auth_user_id" not in client.session

        response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(facilitator.pk)
        assert client.get(SETTINGS).status_code == 200

    def test_a_recovery_code_works_instead_once(self, client, facilitator):
        [code, *_] = Authenticator.objects.get(user=facilitator, type="recovery_codes").wrap().get_unused_codes()
        client.post(reverse("account_login"), {"login": facilitator.email, "password": PASSWORD})
        assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
        assert client.session["_auth_user_id"] == str(facilitator.pk)

        client.logout()
        client.post(reverse("account_login"), {"login": facilitator.email, "password": PASSWORD})
        assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
        assert "_auth_user_id" not in client.session

    def test_people_without_an_app_sign_in_with_the_password_alone(self, client, member):
        response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
        assert response.headers["Location"] == "/"
        assert client.session["_auth_user_id"] == str(member.pk)


def test_the_profile_links_to_two_step_sign_in(member_client):
    page = text(member_client.get(reverse("members:profile")))
    assert f'<a href="{reverse("mfa_index")}">Two-step sign-in</a>' in page


def test_the_overview_says_whether_it_is_on(client, member, facilitator):
    client.force_login(member)
    assert "Off: you sign in without a code from an app." in text(client.get(reverse("mfa_index")))
    client.force_login(facilitator)
    page = text(client.get(reverse("mfa_index")))
    assert "On: each time you sign in, we ask for a code from your app." in page
    assert "10 of 10 codes not used yet." in page


def test_a_site_administrator_resets_two_step_sign_in_for_someone_who_lost_their_phone(client, facilitator):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listed = client.get(f"/admin/mfa/authenticator/?user__id__exact={facilitator.pk}")
    assert listed.status_code == 200
    ids = [str(pk) for pk in Authenticator.objects.filter(user=facilitator).values_list("pk", flat=True)]
    assert len(ids) == 2  # The app and the recovery codes.
    response = client.post(
        "/admin/mfa/authenticator/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=facilitator).exists()

    client.force_login(facilitator)
    assert client.get(SETTINGS).headers["Location"].startswith(ACTIVATE)


class TestSecretsAtRest:
    """An authenticator app's secret and the recovery codes' seed are stored encrypted, and no admin
    page shows them: with either, anyone reading the database or a backup could make the codes."""

    def test_two_step_secrets_are_stored_encrypted(self, facilitator):
        app = Authenticator.objects.get(user=facilitator, type=Authenticator.Type.TOTP)
        codes = Authenticator.objects.get(user=facilitator, type=Authenticator.Type.RECOVERY_CODES)
        assert app.data["secret"].startswith("fernet:")
        assert TOTP_SECRET not in json.dumps(app.data)
        assert codes.data["seed"].startswith("fernet:")
        assert secret_decrypt(app.data["secret"]) == TOTP_SECRET  # Still the same codes.

    def test_secrets_stored_before_encryption_are_encrypted_by_the_migration(self, facilitator):
        from django.apps import apps

        migration = importlib.import_module("members.migrations.0009_encrypt_two_step_secrets")
        app = Authenticator.objects.get(user=facilitator, type=Authenticator.Type.TOTP)
        codes = Authenticator.objects.get(user=facilitator, type=Authenticator.Type.RECOVERY_CODES)
        recovery_codes = codes.wrap().get_unused_codes()
        migration.decrypt(apps, None)  # As stored before: plain text.
        app.refresh_from_db()
        codes.refresh_from_db()
        assert app.data["secret"] == TOTP_SECRET
        assert codes.wrap().get_unused_codes() == recovery_codes  # Plain text still works until the migration.

        migration.encrypt(apps, None)
        app.refresh_from_db()
        codes.refresh_from_db()
        assert app.data["secret"].startswith("fernet:")
        assert codes.data["seed"].startswith("fernet:")
        assert secret_decrypt(app.data["secret"]) == TOTP_SECRET
        assert codes.wrap().get_unused_codes() == recovery_codes
        assert app.wrap().validate_code(totp_code())

    def test_no_admin_page_shows_a_two_step_secret(self, client, facilitator):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        for authenticator in Authenticator.objects.filter(user=facilitator):
            page = text(client.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/"))
            assert facilitator.display_name in page
            assert "fernet:" not in page
            assert TOTP_SECRET not in page
            for value in authenticator.data.values():
                assert not (isinstance(value, str) and value in page)
        assert client.get("/admin/mfa/authenticator/add/").status_code == 403
