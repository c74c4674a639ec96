"""The pages about email: choices, unsubscribe links, and the lists of emails sent."""

import itertools
import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.emails import WELCOME
from members.models import User
from notifications import kinds
from notifications.kinds import Frequency, Kind
from notifications.links import UNSUBSCRIBE_MAX_AGE, unsubscribe_token
from notifications.models import Message, Preference
from tests.factories import MembershipFactory
from vision.emails import ROUND_CLOSING

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("notifications:preferences")
MINE = reverse("notifications:mine")
LIST = reverse("notifications:collaborative_list", kwargs={"slug": "lambeth"})

occasions = itertools.count()


def outbox(recipient, collaborative, count: int = 1, **fields) -> None:
    """Rows in the outbox, as if queued and worked on earlier."""
    if fields.get("status") == Message.Status.SENT:
        fields.setdefault("sent_at", timezone.now())
    Message.objects.bulk_create(
        Message(
            recipient=recipient,
            collaborative=collaborative,
            kind=WELCOME.key,
            about=collaborative,
            occasion=str(next(occasions)),
            **fields,
        )
        for _ in range(count)
    )


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def is_ticked(page: str, name: str) -> bool:
    box = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', page)
    assert box, f"No {name} checkbox on the page"
    return " checked" in box.group()


def rows(response) -> int:
    return response.text.count("<tr>") - 1  # Less the heading row.


@pytest.fixture
def digest_kind(monkeypatch):
    kind = Kind(key="digest", label="Actions digest", description="A summary of open actions.", digest=True)
    monkeypatch.setitem(kinds._registry, kind.key, kind)
    return kind


@pytest.fixture
def browser(member) -> Client:
    """A client that checks CSRF tokens, as a browser session would be checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    return client


def submit(client, url: str, data: dict, **extra):
    """Post the form on `url` the way a browser does: with the CSRF token from the page."""
    client.get(url)
    return client.post(url, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, **data}, **extra)


# Emails you get


def test_preferences_list_each_kind_with_its_description(member_client, digest_kind):
    response = member_client.get(PREFERENCES)
    assert response.status_code == 200
    assert WELCOME.label in response.text
    assert WELCOME.description in response.text
    assert "Actions digest" in response.text
    assert "A summary of open actions." in response.text


def test_preferences_offer_only_the_kinds_that_can_reach_the_person_by_topic(client, people):
    # Issue 15, item 4: a member is not asked about facilitators' or commissioners' emails.
    facilitators_only = ["actions_digest_enabled", "goal_review_due_enabled", "join_requested_enabled"]
    commissioners_only = ["actions_summary_enabled"]
    seen = {}
    for role in ("member", "facilitator", "commissioner"):
        client.force_login(people[role])
        page = client.get(PREFERENCES).text
        seen[role] = {name for name in facilitators_only + commissioners_only if f'name="{name}"' in page}
        assert 'name="meeting_reminder_enabled"' in page  # Every member's kinds, for everyone.
        for topic in ("Meetings", "Actions", "The vision and self-assessment", "Joining a Collaborative"):
            assert f"<legend>{topic}</legend>" in page
    assert seen == {
        "member": set(),
        "facilitator": set(facilitators_only),
        "commissioner": set(commissioners_only),
    }


def test_saving_leaves_the_kinds_not_offered_as_they_were(client, people):
    member = people["member"]
    Preference.objects.create(user=member, kind="actions_digest", enabled=False)
    client.force_login(member)
    client.post(PREFERENCES, {"welcome_enabled": "on"})
    assert Preference.objects.get(user=member, kind="actions_digest").enabled is False
    assert Preference.objects.get(user=member, kind=WELCOME.key).enabled is True


def test_preferences_start_with_every_kind_on(member_client):
    response = member_client.get(PREFERENCES)
    assert is_ticked(response.text, "welcome_enabled")


def test_anonymous_people_are_asked_to_sign_in(client):
    for url in [PREFERENCES, MINE, LIST]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("account_login") + "?next=")


def test_saving_turns_a_kind_off(browser, member):
    response = submit(browser, PREFERENCES, {}, follow=True)
    assert response.status_code == 200
    assert "Your email choices have been saved." in response.text
    assert Preference.objects.get(user=member, kind=WELCOME.key).enabled is False
    assert not is_ticked(response.text, "welcome_enabled")


def test_saving_turns_a_kind_back_on(browser, member):
    Preference.objects.create(user=member, kind=WELCOME.key, enabled=False)
    submit(browser, PREFERENCES, {"welcome_enabled": "on"})
    assert Preference.objects.get(user=member, kind=WELCOME.key).enabled is True


def test_digests_have_a_frequency_to_choose(browser, member, digest_kind):
    page = browser.get(PREFERENCES).text
    assert '<select name="digest_frequency"' in page
    assert "How often: actions digest" in page
    assert '<option value="weekly" selected>Every week</option>' in page

    submit(browser, PREFERENCES, {"welcome_enabled": "on", "digest_enabled": "on", "digest_frequency": "monthly"})

    saved = Preference.objects.get(user=member, kind="digest")
    assert (saved.enabled, saved.frequency) == (True, Frequency.MONTHLY)
    assert '<option value="monthly" selected>Every month</option>' in browser.get(PREFERENCES).text


def test_a_frequency_not_on_the_list_is_refused_and_nothing_changes(browser, member, digest_kind):
    response = submit(browser, PREFERENCES, {"digest_enabled": "on", "digest_frequency": "hourly"})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Select a valid choice. hourly is not one of the available choices." in response.text
    assert not Preference.objects.exists()


# Unsubscribe links


def unsubscribe_url(token: str) -> str:
    return reverse("notifications:unsubscribe", args=[token])


class SignedLongAgo(signing.TimestampSigner):
    def __init__(self, *, age, **kwargs) -> None:
        super().__init__(**kwargs)
        self.age = age

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time() - self.age.total_seconds()))


# notifications.links keeps its salt to itself; the tests sign links as it does.
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def token_signed(user: User, *, age) -> str:
    signer = SignedLongAgo(age=age, salt=UNSUBSCRIBE_SALT)
    return signer.sign_object({"u": user.pk, "k": WELCOME.key}, compress=True)


def tampered(token: str) -> str:
    position = len(token) // 2
    return token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]


def test_an_unsubscribe_link_asks_first_and_changes_nothing(client, member):
    response = client.get(unsubscribe_url(unsubscribe_token(member, WELCOME)))
    assert response.status_code == 200
    assert "Stop these emails?" in response.text
    assert f"Stop sending you “{WELCOME.label}” emails?" in response.text
    assert member.email not in response.text  # A forwarded email must not show whose it was.
    assert not Preference.objects.exists()


def test_confirming_turns_that_kind_off_for_that_person(client, member, facilitator):
    response = client.post(unsubscribe_url(unsubscribe_token(member, WELCOME)))
    assert response.status_code == 200
    assert "Emails turned off" in response.text
    assert f"We will not send you any more “{WELCOME.label}” emails." in response.text
    assert Preference.objects.get(user=member, kind=WELCOME.key).enabled is False
    assert not Preference.objects.filter(user=facilitator).exists()


def test_one_click_unsubscribe_from_a_mail_program(member):
    mail_program = Client(enforce_csrf_checks=True)
    response = mail_program.post(
        unsubscribe_url(unsubscribe_token(member, WELCOME)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Preference.objects.get(user=member, kind=WELCOME.key).enabled is False


def test_a_link_a_little_younger_than_the_limit_still_works(client, member):
    token = token_signed(member, age=UNSUBSCRIBE_MAX_AGE - timedelta(days=1))
    assert client.post(unsubscribe_url(token)).status_code == 200
    assert Preference.objects.get(user=member).enabled is False


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("link", ["tampered", "expired", "closed account", "unknown kind"])
def test_a_link_that_does_not_work_says_so_and_changes_nothing(client, member, method, link):
    token = unsubscribe_token(member, WELCOME)
    if link == "tampered":
        token = tampered(token)
    elif link == "expired":
        token = token_signed(member, age=UNSUBSCRIBE_MAX_AGE + timedelta(minutes=1))
    elif link == "closed account":
        User.objects.filter(pk=member.pk).update(is_active=False)
    else:
        token = unsubscribe_token(member, Kind(key="no-longer-sent", label="Gone", description=""))

    response = getattr(client, method)(unsubscribe_url(token))

    assert response.status_code == 400
    assert "This link does not work" in response.text
    assert "Nothing was changed." in response.text
    assert not Preference.objects.exists()


# Emails sent to you


def test_emails_sent_to_you_lists_only_your_own(member_client, member, facilitator, collaborative):
    outbox(member, collaborative, status=Message.Status.SENT, subject="Lambeth: Welcome to the Collaborative")
    outbox(facilitator, collaborative, status=Message.Status.SENT, subject="Lambeth: Meant for someone else")
    response = member_client.get(MINE)
    assert response.status_code == 200
    assert "Lambeth: Welcome to the Collaborative" in response.text
    assert "Meant for someone else" not in response.text
    assert rows(response) == 1


def test_emails_sent_to_you_says_when_there_are_none(member_client):
    assert "We have not sent you any emails yet." in member_client.get(MINE).text


def test_emails_sent_to_you_uses_as_many_queries_for_two_as_for_thirty(
    member_client, member, collaborative, other_collaborative
):
    outbox(member, collaborative, status=Message.Status.SENT, subject="Sent")
    outbox(member, other_collaborative)
    few = queries_for(member_client, MINE)
    outbox(member, collaborative, 14, status=Message.Status.FAILED, last_error="Refused")
    outbox(member, other_collaborative, 14, status=Message.Status.SENT, subject="Sent")
    assert queries_for(member_client, MINE) == few
    assert rows(member_client.get(MINE)) == 30


# Emails a Collaborative sent (for facilitators)


@pytest.fixture
def alice(collaborative):
    return MembershipFactory(
        collaborative=collaborative, user__display_name="Alice Mbeki", user__email="alice@example.org"
    ).user


@pytest.fixture
def bob(collaborative):
    return MembershipFactory(
        collaborative=collaborative, user__display_name="Bob Osei", user__email="bob@example.net"
    ).user


def test_facilitators_see_each_email_with_its_status_and_reason(facilitator_client, alice, bob, collaborative):
    outbox(alice, collaborative, status=Message.Status.SENT)
    outbox(bob, collaborative, status=Message.Status.FAILED, last_error="The member has no email address.")
    response = facilitator_client.get(LIST)
    assert response.status_code == 200
    assert "Alice Mbeki" in response.text
    assert "Bob Osei" in response.text
    assert WELCOME.label in response.text
    assert "Could not be sent" in response.text
    assert "The member has no email address." in response.text
    assert rows(response) == 2


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("status=failed", {"Bob Osei"}),
        ("status=sent", {"Alice Mbeki"}),
        ("kind=welcome", {"Alice Mbeki", "Bob Osei"}),
        ("q=mbeki", {"Alice Mbeki"}),
        ("q=example.net", {"Bob Osei"}),
        ("q=nobody", set()),
        ("q=alice&status=failed", set()),
    ],
)
def test_filters(facilitator_client, alice, bob, collaborative, query, shown):
    outbox(alice, collaborative, status=Message.Status.SENT)
    outbox(bob, collaborative, status=Message.Status.FAILED, last_error="Refused")
    response = facilitator_client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert {name for name in ["Alice Mbeki", "Bob Osei"] if name in response.text} == shown
    if not shown:
        assert "No emails match." in response.text


@pytest.mark.parametrize("query", ["status=bogus", "kind=no-such-kind", "page=x", "page=999", f"q={'x' * 101}"])
def test_a_bad_filter_value_is_not_an_error_page(facilitator_client, alice, collaborative, query):
    outbox(alice, collaborative)
    response = facilitator_client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert "<h1>Emails sent to members</h1>" in response.text


def test_a_bad_filter_value_leaves_the_other_filters_working(facilitator_client, alice, bob, collaborative):
    outbox(alice, collaborative)
    outbox(bob, collaborative)
    response = facilitator_client.get(f"{LIST}?q=alice&status=bogus")
    assert response.status_code == 200
    assert "Alice Mbeki" in response.text
    assert "Bob Osei" not in response.text


def test_a_bad_filter_value_is_explained(facilitator_client, alice, collaborative):
    """The page title says "Error:" when the form has errors, so the page must say what it is."""
    outbox(alice, collaborative)
    response = facilitator_client.get(f"{LIST}?status=bogus")
    assert "<title>Error: " in response.text
    assert "There is a problem" in response.text
    assert "Select a valid choice. bogus is not one of the available choices." in response.text
    assert "Alice Mbeki" in response.text


def test_htmx_gets_only_the_table(facilitator_client, alice, collaborative):
    outbox(alice, collaborative)
    response = facilitator_client.get(f"{LIST}?q=alice", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<p id="message-count" role="status" data-hx-swap-oob="true">1 email.</p>')
    assert '<div id="message-table">' in response.text
    assert "Alice Mbeki" in response.text


def test_only_this_collaboratives_emails_are_listed(facilitator_client, alice, other_collaborative):
    luton_member = MembershipFactory(collaborative=other_collaborative, user__display_name="Lou Luton").user
    outbox(luton_member, other_collaborative, status=Message.Status.SENT)
    outbox(alice, other_collaborative, status=Message.Status.SENT)  # Alice's email from another Collaborative.
    response = facilitator_client.get(LIST)
    assert "Lou Luton" not in response.text
    assert "Alice Mbeki" not in response.text
    assert "No emails match." in response.text


def test_reminders_to_answer_a_self_assessment_are_left_out_and_the_page_says_so(
    client, facilitator_client, alice, bob, collaborative
):
    """Only those who have not finished get one, so listing them would tell who has answered."""
    outbox(alice, collaborative, status=Message.Status.SENT)
    Message.objects.create(
        recipient=bob,
        collaborative=collaborative,
        kind=ROUND_CLOSING.key,
        about=collaborative,
        occasion="closing-2026-05-01",
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        subject="Lambeth: the self-assessment closes tomorrow",
    )
    note = "Reminders to answer a self-assessment are not listed, so no one can tell who has answered."
    for query in ("", "?q=bob", f"?kind={ROUND_CLOSING.key}"):
        page = facilitator_client.get(LIST + query).text
        assert "Bob Osei" not in page, query
        assert page.count(note) == 1, query
        assert f'<option value="{ROUND_CLOSING.key}"' not in page
        assert ROUND_CLOSING.label not in page
    assert "Alice Mbeki" in facilitator_client.get(LIST).text
    client.force_login(bob)
    assert "Lambeth: the self-assessment closes tomorrow" in client.get(MINE).text


def test_pages_of_fifty_keep_the_filters(facilitator_client, alice, bob, collaborative):
    outbox(alice, collaborative, 55, status=Message.Status.FAILED, last_error="Refused")
    outbox(bob, collaborative, 3, status=Message.Status.SENT)
    response = facilitator_client.get(f"{LIST}?status=failed")
    assert rows(response) == 50
    assert "Page 1 of 2" in response.text
    assert '<a href="?status=failed&amp;page=2">Next page</a>' in response.text

    second = facilitator_client.get(f"{LIST}?status=failed&page=2")
    assert rows(second) == 5
    assert '<a href="?status=failed&amp;page=1">Previous page</a>' in second.text
    assert "Bob Osei" not in second.text


def test_the_list_uses_as_many_queries_for_two_as_for_sixty(facilitator_client, alice, bob, collaborative):
    outbox(alice, collaborative, status=Message.Status.SENT)
    outbox(bob, collaborative, status=Message.Status.FAILED, last_error="Refused")
    few = queries_for(facilitator_client, LIST)
    for _ in range(29):
        person = MembershipFactory(collaborative=collaborative).user
        outbox(person, collaborative, 2, status=Message.Status.SENT)
    assert queries_for(facilitator_client, LIST) == few
    assert rows(facilitator_client.get(LIST)) == 50


def test_members_may_not_see_the_list(member_client):
    response = member_client.get(LIST)
    assert response.status_code == 403
    assert "You cannot do this" in response.text
    assert "Only facilitators can do this." in response.text


def test_outsiders_are_told_there_is_no_such_page(client, people):
    client.force_login(people["outsider"])
    response = client.get(LIST)
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Lambeth" not in response.text


@pytest.mark.parametrize(
    "payload", [[1, 2], {"u": "abc", "k": "welcome"}, {"u": [1], "k": "welcome"}, {"k": "welcome"}]
)
def test_a_signed_link_with_odd_contents_is_refused_plainly(client, payload):
    token = signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)
    response = client.get(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "This link does not work" in response.text


def test_link_checkers_may_ask_for_the_unsubscribe_page_with_head(client, member):
    response = client.head(reverse("notifications:unsubscribe", args=[unsubscribe_token(member, WELCOME)]))
    assert response.status_code == 200
    assert not Preference.objects.exists()
