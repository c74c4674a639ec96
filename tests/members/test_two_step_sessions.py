"""Two-step sign-in belongs to the session, not only to the account (issue 12, holes 3 and 4).

A session that signed in with the password alone (say, before the person set up their app
on another device) must never open facilitators' or commissioners' pages, nor see the parts
of other pages that only they see. Turning two-step sign-in on, and being made facilitator
or commissioner, end the person's other sessions.
"""

import html
import re
from datetime import time, timedelta
from urllib.parse import quote

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import AgendaItem, Rsvp, Venue
from meetings.services import agenda_item_propose, meeting_schedule, notes_save, rsvp_set
from members.models import Membership
from members.services import ground_rules_change
from members.sessions import sessions_end
from tests.factories import PASSWORD, MembershipFactory, TotpFactory, UserFactory, totp_code
from vision.models import Statement
from vision.services import framework_start

pytestmark = pytest.mark.django_db

SETTINGS = "/c/lambeth/settings/"
TWO_STEP = reverse("members:two_step")


def text(response) -> str:
    return html.unescape(response.content.decode())


def sign_in_with_password(client: Client, user) -> None:
    """The password alone: for someone without an app, that is all of signing in."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, text(response)
    assert client.session["_auth_user_id"] == str(user.pk)


def signed_in(client: Client) -> bool:
    return client.get(reverse("members:profile")).status_code == 200


@pytest.fixture
def newcomer(collaborative):
    """A facilitator who has not set up two-step sign-in yet."""
    return MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR, two_factor=False).user


def set_up_app(client: Client) -> None:
    """Set up an authenticator app as a person does: the password again, then a code from the app."""
    activate = reverse("mfa_activate_totp")
    page = client.get(activate, follow=True)
    if page.redirect_chain and page.redirect_chain[-1][0].startswith(reverse("account_reauthenticate")):
        page = client.post(page.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.content.decode()).group(1)
    response = client.post(activate, {"code": totp_code(secret)})
    assert response.status_code == 302, text(response)


# Hole 3: the check is per session.


@pytest.mark.django_db(transaction=True)  # allauth's signal for a new app is sent after the commit.
def test_a_password_only_session_does_not_become_a_facilitator_session_when_the_app_is_set_up_elsewhere(
    newcomer, collaborative
):
    laptop, phone = Client(), Client()
    sign_in_with_password(laptop, newcomer)
    sign_in_with_password(phone, newcomer)
    set_up_app(phone)

    assert phone.get(SETTINGS).status_code == 200  # Setting up the app gave its code in this session.
    response = laptop.get(SETTINGS)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))  # The laptop was signed out.


@pytest.mark.django_db(transaction=True)
def test_turning_on_two_step_sign_in_ends_the_persons_other_sessions_and_keeps_this_one(member):
    laptop, phone = Client(), Client()
    sign_in_with_password(laptop, member)
    sign_in_with_password(phone, member)
    set_up_app(phone)
    assert signed_in(phone)
    assert not signed_in(laptop)


def test_facilitator_pages_need_this_session_to_have_given_the_code(client, facilitator):
    client.force_login(facilitator, two_step=False)  # An app, but this session has not given its code.
    response = client.get(SETTINGS)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{TWO_STEP}?next={quote(SETTINGS, safe='')}"

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Type the code from your app" in text(page)
    wrong = client.post(response.headers["Location"], {"code": "000000" if totp_code() != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "That code is not right" in text(wrong)
    assert client.get(SETTINGS).status_code == 302

    right = client.post(response.headers["Location"], {"code": totp_code()})
    assert right.status_code == 302
    assert right.headers["Location"] == SETTINGS
    assert client.get(SETTINGS).status_code == 200


def test_htmx_requests_without_the_code_step_are_told_to_load_the_code_page(client, facilitator):
    client.force_login(facilitator, two_step=False)
    emails = reverse("notifications:collaborative_list", kwargs={"slug": "lambeth"})
    response = client.get(emails, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{emails}"})
    assert response.headers["HX-Redirect"] == f"{TWO_STEP}?next={quote(emails, safe='')}"


def test_commissioner_pages_need_this_session_to_have_given_the_code(client, people):
    client.force_login(people["commissioner"], two_step=False)
    dashboard = reverse("actions:dashboard", kwargs={"slug": "lambeth"})
    assert client.get(dashboard).headers["Location"].startswith(TWO_STEP)
    client.force_login(people["commissioner"])
    assert client.get(dashboard).status_code == 200


def test_the_code_page_never_sends_people_off_site(client, facilitator):
    client.force_login(facilitator, two_step=False)
    response = client.post(f"{TWO_STEP}?next=//evil.example/", {"code": totp_code()})
    assert response.headers["Location"] == reverse("members:start")


def test_the_code_page_sends_someone_without_an_app_to_set_it_up(client, newcomer):
    client.force_login(newcomer)
    response = client.get(f"{TWO_STEP}?next={quote(SETTINGS, safe='')}")
    assert response.headers["Location"].startswith(reverse("mfa_activate_totp"))


def test_wrong_codes_are_limited(client, facilitator):
    client.force_login(facilitator, two_step=False)
    for _ in range(5):
        client.post(TWO_STEP, {"code": "000000" if totp_code() != "000000" else "111111"})
    response = client.post(TWO_STEP, {"code": totp_code()})
    assert response.status_code == 400
    assert "Too many tries" in text(response)
    assert client.get(SETTINGS).status_code == 302


def test_deleted_app_means_setting_it_up_again_even_in_a_session_that_gave_its_code(client, facilitator):
    client.force_login(facilitator)
    Authenticator.objects.filter(user=facilitator).delete()
    assert client.get(SETTINGS).headers["Location"].startswith(reverse("mfa_activate_totp"))


class TestBeingGivenARole:
    """Being made facilitator or commissioner ends every session the person has open: they were
    made as a member's, and now need the second step."""

    def test_being_made_a_facilitator_ends_the_persons_sessions(self, client, facilitator, member):
        theirs = Client()
        theirs.force_login(member)
        client.force_login(facilitator)
        response = client.post(
            reverse("members:member_manage", kwargs={"slug": "lambeth", "pk": member.pk}), {"role": "facilitator"}
        )
        assert response.status_code == 302
        assert not signed_in(theirs)
        assert signed_in(client)  # The facilitator who made the change goes on.

    def test_being_made_a_commissioner_in_the_site_administration_ends_the_persons_sessions(self, client, member):
        theirs = Client()
        theirs.force_login(member)
        membership = member.memberships.get()
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        response = client.post(
            f"/admin/members/membership/{membership.pk}/change/",
            {
                "user": member.pk,
                "collaborative": membership.collaborative_id,
                "role": "commissioner",
                "status": "active",
                "joined_at_0": timezone.localdate().isoformat(),
                "joined_at_1": "10:00:00",
            },
        )
        assert response.status_code == 302, text(response)
        membership.refresh_from_db()
        assert membership.role == Membership.Role.COMMISSIONER
        assert not signed_in(theirs)

    def test_a_members_sessions_go_on_when_nothing_about_their_role_changes(self, client, facilitator, member):
        theirs = Client()
        theirs.force_login(member)
        client.force_login(facilitator)
        client.post(reverse("members:member_manage", kwargs={"slug": "lambeth", "pk": member.pk}), {"role": "member"})
        assert signed_in(theirs)

    def test_coming_back_as_a_facilitator_ends_the_persons_sessions(self, collaborative, facilitator):
        from members.services import membership_leave, membership_reactivate

        former = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR)
        membership_leave(membership=former)
        theirs = Client()
        theirs.force_login(former.user)
        membership_reactivate(membership=former, by=facilitator)
        assert not signed_in(theirs)

    def test_ending_sessions_keeps_the_one_that_asked(self, rf, member):
        theirs = Client()
        theirs.force_login(member)
        sessions_end(user=member)
        assert not signed_in(theirs)
        member.refresh_from_db()
        assert member.session_generation == 1


# Hole 4: what only facilitators see needs the same second step.


@pytest.fixture
def meeting_with_drafts(collaborative, people):
    """A meeting next week (a member coming with access needs, an agenda not yet published) after
    one last week whose notes are a draft."""
    facilitator, member = people["facilitator"], people["member"]
    member.access_needs_other = "PlantedNeedQ7: I may need to step out."
    member.save()
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe on the Green", address="1 Green")
    last_week = meeting_schedule(
        collaborative=collaborative,
        by=facilitator,
        day=timezone.localdate() - timedelta(days=7),
        start=time(10),
        end=time(12, 30),
        venue=venue,
    )
    notes_save(meeting=last_week, by=facilitator, general_notes="PlantedNotesQ9", item_notes={})
    meeting = meeting_schedule(
        collaborative=collaborative,
        by=facilitator,
        day=timezone.localdate() + timedelta(days=7),
        start=time(10),
        end=time(12, 30),
        venue=venue,
    )
    rsvp_set(meeting=meeting, user=member, answer=Rsvp.Answer.COMING)
    agenda_item_propose(meeting=meeting, by=facilitator, title="PlantedAgendaQ8", accept=True)
    meeting.last_week = last_week
    return meeting


def test_a_facilitators_session_without_the_code_sees_meeting_pages_as_members_do(
    client, facilitator, meeting_with_drafts
):
    pages = [meeting_with_drafts.get_absolute_url(), meeting_with_drafts.last_week.get_absolute_url()]
    planted = ("PlantedNeedQ7", "PlantedAgendaQ8", "PlantedNotesQ9")
    client.force_login(facilitator, two_step=False)
    seen = "".join(text(client.get(page)) for page in pages)
    for value in planted:
        assert value not in seen, value
    assert "type the code from your two-step app" in seen  # And the way to see the rest.

    client.force_login(facilitator)  # With the code: all of it.
    seen = "".join(text(client.get(page)) for page in pages)
    for value in planted:
        assert value in seen, value
    assert "type the code from your two-step app" not in seen


def test_a_facilitators_session_without_the_code_sees_no_access_needs_on_a_members_page(
    client, facilitator, meeting_with_drafts, member
):
    url = reverse("members:member_detail", kwargs={"slug": "lambeth", "pk": member.pk})
    client.force_login(facilitator, two_step=False)
    page = text(client.get(url))
    assert "PlantedNeedQ7" not in page
    assert "Role and membership" not in page
    client.force_login(facilitator)
    page = text(client.get(url))
    assert "PlantedNeedQ7" in page
    assert "Role and membership" in page


def test_a_facilitator_without_an_app_sees_no_draft_agenda_and_is_offered_to_set_it_up(
    client, newcomer, meeting_with_drafts
):
    client.force_login(newcomer)
    page = text(client.get(meeting_with_drafts.get_absolute_url()))
    assert "PlantedAgendaQ8" not in page
    assert "set up two-step sign-in" in page


def test_a_facilitators_item_goes_straight_on_the_agenda_only_with_the_code(client, facilitator, meeting_with_drafts):
    url = reverse("meetings:agenda_propose", kwargs={"slug": "lambeth", "pk": meeting_with_drafts.pk})
    client.force_login(facilitator, two_step=False)
    assert "Propose it" in text(client.get(url))
    client.post(url, {"title": "Without the code"})
    assert AgendaItem.objects.get(title="Without the code").status == AgendaItem.Status.PROPOSED

    client.force_login(facilitator)
    client.post(url, {"title": "With the code"})
    assert AgendaItem.objects.get(title="With the code").status == AgendaItem.Status.ACCEPTED


def test_a_facilitators_session_without_the_code_sees_no_counts_for_facilitators(client, facilitator, collaborative):
    from members.models import JoinRequest
    from tests.factories import JoinRequestFactory

    JoinRequestFactory(collaborative=collaborative, status=JoinRequest.Status.PENDING)
    framework_start(collaborative=collaborative)
    ground_rules_change(collaborative=collaborative, text="We meet as equals.", by=facilitator)
    statement = Statement.objects.filter(key_role__collaborative=collaborative).first()
    statement.status, statement.text = Statement.Status.RETIRED, "PlantedRetiredQ10"
    statement.save()
    home = collaborative.get_absolute_url()
    framework = reverse("vision:framework", kwargs={"slug": "lambeth"})
    ground_rules = reverse("members:ground_rules", kwargs={"slug": "lambeth"})

    client.force_login(facilitator, two_step=False)
    assert "to join</a> waiting" not in text(client.get(home))
    assert "PlantedRetiredQ10" not in text(client.get(framework))
    assert "members have agreed" not in text(client.get(ground_rules))

    client.force_login(facilitator)
    assert "to join</a> waiting" in text(client.get(home))
    assert "PlantedRetiredQ10" in text(client.get(framework))
    assert "members have agreed" in text(client.get(ground_rules))


def test_members_see_no_prompt_for_two_step_sign_in(member_client, collaborative):
    assert "two-step" not in text(member_client.get(collaborative.get_absolute_url()))


def test_a_commissioner_without_an_app_is_offered_to_set_it_up(client, collaborative):
    commissioner = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.COMMISSIONER, two_factor=False
    ).user
    client.force_login(commissioner)
    page = text(client.get(collaborative.get_absolute_url()))
    assert "To see and do what commissioners do here" in page
    TotpFactory(user=commissioner)
    client.force_login(commissioner)
    assert "two-step" not in text(client.get(collaborative.get_absolute_url()))
