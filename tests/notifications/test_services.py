"""The outbox: queueing, claiming, sending with the locmem backend, and what the emails say."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from members.emails import INVITATION, WELCOME
from members.models import Membership, User
from members.services import membership_create
from notifications import kinds
from notifications.delivery import (
    MAX_COUNTDOWN,
    RECLAIM_AFTER,
    SEND_CHUNK,
    message_render,
    messages_claim,
    messages_dispatch,
    messages_send,
    retry_countdown,
)
from notifications.kinds import Frequency, Kind, kind_named, member_kinds
from notifications.models import Message, Preference
from notifications.services import local_time, messages_queue, preferences_for, preferences_save
from notifications.tasks import send_messages_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_kind(monkeypatch, settings):
    """Register a kind of email that exists only for this test, with its templates.

    A template given as None is left out, as if someone forgot to write it.
    """
    templates = {}

    def register(
        key, *, subject="Test subject", text="Text for {{ recipient.display_name }}", html="<p>HTML</p>", **options
    ):
        monkeypatch.setitem(
            kinds._registry, key, Kind(key=key, label=f"Test {key}", description=f"Emails about {key}.", **options)
        )
        for suffix, source in [("_subject.txt", subject), (".txt", text), (".html", html)]:
            if source is not None:
                templates[f"notifications/email/{key}{suffix}"] = source
        engine = {**settings.TEMPLATES[0], "APP_DIRS": False}
        engine["OPTIONS"] = {
            **engine["OPTIONS"],
            "loaders": [
                ("django.template.loaders.locmem.Loader", dict(templates)),
                "django.template.loaders.filesystem.Loader",
                "django.template.loaders.app_directories.Loader",
            ],
        }
        settings.TEMPLATES = [engine]
        return kind_named(key)

    return register


def queue(recipients, collaborative, *, kind=WELCOME, occasion="", due_at=None) -> None:
    messages_queue(
        recipients=recipients,
        collaborative=collaborative,
        kind=kind,
        about=collaborative,
        occasion=occasion,
        due_at=due_at,
    )


def send_due() -> int:
    claim, ids = messages_claim()
    return messages_send(claim=claim, ids=ids)


def message_to(user: User, **filters) -> Message:
    return Message.objects.get(recipient=user, **filters)


# Queueing


def test_queueing_twice_for_the_same_occasion_makes_one_message(collaborative, member):
    queue([member], collaborative, occasion="2026-03")
    queue([member], collaborative, occasion="2026-03")
    assert Message.objects.count() == 1


def test_queueing_for_another_occasion_makes_another_message(collaborative, member):
    queue([member], collaborative, occasion="2026-03")
    queue([member], collaborative, occasion="2026-04")
    assert Message.objects.filter(recipient=member).count() == 2


def test_queueing_an_unknown_kind_is_refused(collaborative, member):
    with pytest.raises(ValueError, match="Unknown kind of message: no-such-kind"):
        queue([member], collaborative, kind=Kind(key="no-such-kind", label="Not sent", description=""))
    assert not Message.objects.exists()


def test_a_message_due_now_asks_for_a_send_on_commit(collaborative, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        queue([member], collaborative)
    assert len(callbacks) == 1


def test_a_message_due_later_waits_for_the_scan(collaborative, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        queue([member], collaborative, due_at=timezone.now() + timedelta(days=1))
    assert callbacks == []
    assert Message.objects.get().status == Message.Status.PENDING


def test_membership_create_queues_a_welcome(collaborative, django_capture_on_commit_callbacks):
    person = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        membership = membership_create(user=person, collaborative=collaborative)
    message = Message.objects.get()
    assert (message.recipient, message.collaborative, message.kind) == (person, collaborative, WELCOME.key)
    assert message.about == membership
    assert len(callbacks) == 1


def test_no_welcome_when_the_membership_is_rolled_back(collaborative):
    person = UserFactory()
    with transaction.atomic():
        membership_create(user=person, collaborative=collaborative)
        transaction.set_rollback(True)
    assert not Membership.objects.filter(user=person).exists()
    assert not Message.objects.exists()


@pytest.fixture
def site_admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_membership_added_in_the_site_administration_gets_a_welcome(site_admin_client, collaborative):
    person = UserFactory()
    response = site_admin_client.post(
        "/admin/members/membership/add/",
        {
            "user": str(person.pk),
            "collaborative": str(collaborative.pk),
            "role": "member",
            "status": "active",
            "joined_at_0": "2026-11-26",
            "joined_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.text
    message = Message.objects.get()
    assert (message.recipient, message.kind) == (person, WELCOME.key)
    assert message.about == Membership.objects.get(user=person)


# Claiming


def test_claim_takes_only_pending_messages_that_are_due(collaborative, member):
    now = timezone.now()
    queue([member], collaborative, occasion="due", due_at=now - timedelta(minutes=1))
    queue([member], collaborative, occasion="on-the-minute", due_at=now)
    queue([member], collaborative, occasion="later", due_at=now + timedelta(seconds=1))
    for status in [Message.Status.SENT, Message.Status.FAILED, Message.Status.SKIPPED]:
        queue([member], collaborative, occasion=status, due_at=now - timedelta(days=1))
        Message.objects.filter(occasion=status).update(status=status, sent_at=now)

    claim, ids = messages_claim(now=now)

    assert sorted(Message.objects.filter(id__in=ids).values_list("occasion", flat=True)) == ["due", "on-the-minute"]
    assert set(Message.objects.filter(id__in=ids).values_list("status", "claim", "claimed_at")) == {
        (Message.Status.SENDING, claim, now)
    }
    assert messages_claim(now=now)[1] == []


def test_claim_takes_back_messages_stuck_in_sending_but_not_recent_ones(collaborative, member):
    now = timezone.now()
    queue([member], collaborative, occasion="stuck")
    queue([member], collaborative, occasion="recent")
    stuck = Message.objects.filter(occasion="stuck")
    stuck.update(status=Message.Status.SENDING, claim="old", claimed_at=now - RECLAIM_AFTER - timedelta(seconds=1))
    Message.objects.filter(occasion="recent").update(
        status=Message.Status.SENDING, claim="recent", claimed_at=now - RECLAIM_AFTER + timedelta(minutes=1)
    )

    claim, ids = messages_claim(now=now)

    assert ids == [stuck.get().pk]
    assert stuck.get().claim == claim
    assert Message.objects.get(occasion="recent").claim == "recent"


def test_dispatch_hands_out_one_send_task_per_chunk(collaborative, member, django_capture_on_commit_callbacks):
    for number in range(SEND_CHUNK + 1):
        queue([member], collaborative, occasion=str(number))
    with django_capture_on_commit_callbacks() as callbacks:
        total = messages_dispatch(hand_out=send_messages_task.delay)
    assert total == SEND_CHUNK + 1
    assert len(callbacks) == 2
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.SENDING}


# Sending


def test_a_claimed_message_is_sent_and_recorded(collaborative, member, mailoutbox):
    queue([member], collaborative)
    claim, ids = messages_claim()

    assert messages_send(claim=claim, ids=ids) == 1

    message = Message.objects.get()
    assert message.status == Message.Status.SENT
    assert message.sent_at is not None
    assert message.sent_to == member.email
    assert message.subject == "Welcome to the Collaborative (Lambeth Living Well Collaborative)"
    assert message.attempts == 1
    assert message.last_error == ""
    assert [email.to for email in mailoutbox] == [[member.email]]


def test_sending_the_same_claim_again_sends_nothing_more(collaborative, member, mailoutbox):
    queue([member], collaborative)
    claim, ids = messages_claim()
    messages_send(claim=claim, ids=ids)

    assert messages_send(claim=claim, ids=ids) == 0
    assert len(mailoutbox) == 1
    assert Message.objects.get().attempts == 1


def test_a_stale_claim_sends_nothing(collaborative, member, mailoutbox):
    queue([member], collaborative)
    claim, ids = messages_claim()
    Message.objects.update(claim="taken-by-a-later-scan")

    assert messages_send(claim=claim, ids=ids) == 0
    assert mailoutbox == []
    assert Message.objects.get().status == Message.Status.SENDING


def test_no_email_for_a_closed_account(collaborative, member, mailoutbox):
    User.objects.filter(pk=member.pk).update(is_active=False)
    queue([member], collaborative)
    assert send_due() == 0
    message = Message.objects.get()
    assert (message.status, message.last_error) == (Message.Status.SKIPPED, "The account is closed.")
    assert mailoutbox == []


def test_no_email_for_someone_who_left_the_collaborative(collaborative, member, mailoutbox):
    queue([member], collaborative)
    Membership.objects.filter(user=member, collaborative=collaborative).update(
        status=Membership.Status.LEFT, left_at=timezone.now()
    )
    assert send_due() == 0
    message = Message.objects.get()
    assert message.status == Message.Status.SKIPPED
    assert message.last_error == "No longer a member of this Collaborative."
    assert mailoutbox == []


def test_no_email_of_a_kind_the_person_turned_off(collaborative, member, facilitator, mailoutbox):
    preferences_save(user=member, choices={WELCOME: {"enabled": False}})
    queue([member, facilitator], collaborative)

    assert send_due() == 1

    skipped = message_to(member)
    assert skipped.status == Message.Status.SKIPPED
    assert skipped.last_error == "The member has turned off this kind of email."
    assert [email.to for email in mailoutbox] == [[facilitator.email]]


def test_a_person_without_an_email_address_is_recorded_as_failed(collaborative, member, mailoutbox):
    User.objects.filter(pk=member.pk).update(email="")
    queue([member], collaborative)
    assert send_due() == 0
    message = Message.objects.get()
    assert (message.status, message.last_error) == (Message.Status.FAILED, "The member has no email address.")
    assert mailoutbox == []


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"text": None}, id="missing-template"),
        pytest.param({"text": "{% if %}"}, id="syntax-error"),
        pytest.param({"html": '<a href="{% url "notifications:no-such-page" %}">'}, id="unknown-url-name"),
    ],
)
def test_a_broken_template_fails_its_message_and_the_batch_goes_on(
    collaborative, member, facilitator, email_kind, mailoutbox, broken
):
    queue([member], collaborative, kind=email_kind("broken", **broken))
    queue([member, facilitator], collaborative)

    assert send_due() == 2

    failed = message_to(member, kind="broken")
    assert failed.status == Message.Status.FAILED
    assert failed.last_error.startswith("We could not write this email.")
    assert sorted(email.to[0] for email in mailoutbox) == sorted([member.email, facilitator.email])


# Times


def london(day: date, at: time = time(10)) -> datetime:
    return local_time(day, at, "Europe/London")


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 28), 10),  # GMT
        (date(2026, 3, 29), 9),  # The clocks went forward at 01:00 GMT.
        (date(2026, 3, 30), 9),  # BST
        (date(2026, 10, 24), 9),  # BST
        (date(2026, 10, 25), 10),  # The clocks went back at 02:00 BST.
        (date(2026, 10, 26), 10),  # GMT
    ],
)
def test_ten_oclock_in_london_in_utc(day, utc_hour):
    assert london(day).astimezone(UTC) == datetime.combine(day, time(utc_hour), tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "after", "hours"),
    [(date(2026, 3, 28), date(2026, 3, 30), 47), (date(2026, 10, 24), date(2026, 10, 26), 49)],
)
def test_ten_oclock_two_days_apart_across_a_clocks_change_is_an_hour_off(before, after, hours):
    # In UTC: subtracting two times of the same zone would compare wall-clock times.
    assert london(after).astimezone(UTC) - london(before).astimezone(UTC) == timedelta(hours=hours)


@pytest.mark.parametrize(
    "day", [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30), date(2026, 10, 24), date(2026, 10, 26)]
)
def test_a_message_due_at_ten_local_is_claimed_at_ten_local(collaborative, member, day):
    queue([member], collaborative, due_at=london(day))
    assert messages_claim(now=london(day, time(9, 59)))[1] == []
    assert messages_claim(now=london(day))[1] == [Message.objects.get().pk]


def test_retry_countdown_grows_with_jitter_and_stays_under_ten_minutes(settings):
    settings.NOTIFICATION_RETRY_BASE = 15
    waits = {retries: [retry_countdown(retries) for _ in range(200)] for retries in range(12)}

    assert all(0 < wait <= MAX_COUNTDOWN == 600 for samples in waits.values() for wait in samples)
    assert RECLAIM_AFTER.total_seconds() > MAX_COUNTDOWN
    for retries in range(5):
        # Each retry waits at least as long as the longest wait before it.
        assert min(waits[retries + 1]) >= max(waits[retries])
    assert len(set(waits[3])) > 150  # Jitter: workers that failed together do not retry together.
    assert max(waits[11]) > 500


# Preferences


def test_preferences_default_to_on(member):
    preferences = preferences_for(member)
    assert list(preferences) == member_kinds()
    assert preferences[WELCOME].enabled is True
    assert preferences[WELCOME].frequency == Frequency.WEEKLY
    assert not Preference.objects.exists()


def test_preferences_save_stores_the_choices(member):
    preferences_save(user=member, choices={WELCOME: {"enabled": False}})
    assert preferences_for(member)[WELCOME].enabled is False
    preferences_save(user=member, choices={WELCOME: {"enabled": True, "frequency": Frequency.MONTHLY}})
    saved = Preference.objects.get(user=member)
    assert (saved.kind, saved.enabled, saved.frequency) == (WELCOME.key, True, Frequency.MONTHLY)


def test_preferences_save_refuses_an_unknown_kind_and_saves_nothing(member):
    with pytest.raises(ValueError, match="Unknown kind"):
        preferences_save(
            user=member,
            choices={
                WELCOME: {"enabled": False},
                Kind(key="no-such-kind", label="Not sent", description=""): {"enabled": False},
            },
        )
    assert not Preference.objects.exists()


# What the emails say


@pytest.fixture
def welcome_email(settings, collaborative, mailoutbox):
    settings.SITE_URL = "https://lwc.example.org/"
    membership_create(user=UserFactory(display_name="Zoë Adeyemi"), collaborative=collaborative)
    assert send_due() == 1
    return mailoutbox[0]


def html_of(email) -> str:
    [(content, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    return content


def test_the_subject_starts_with_the_collaborative(welcome_email):
    assert welcome_email.subject == "Welcome to the Collaborative (Lambeth Living Well Collaborative)"


def test_the_email_has_plain_text_and_html(welcome_email):
    assert welcome_email.body.startswith("Hello Zoë Adeyemi,")
    assert "<p>Hello Zoë Adeyemi,</p>" in html_of(welcome_email)


def test_every_try_at_one_email_has_the_same_message_id(welcome_email):
    message = Message.objects.get(kind="welcome")
    first, again = message_render(message), message_render(message)
    assert welcome_email.message()["Message-ID"] == f"<welcome.{message.pk}@lwc.example.org>"
    assert first.message()["Message-ID"] == again.message()["Message-ID"] == welcome_email.message()["Message-ID"]


def test_the_email_links_to_preferences_and_unsubscribe(welcome_email):
    headers = welcome_email.message()
    unsubscribe_url = headers["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    assert unsubscribe_url.startswith("https://lwc.example.org/emails/unsubscribe/")
    assert headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for body in [welcome_email.body, html_of(welcome_email)]:
        assert "https://lwc.example.org/emails/" in body
        assert unsubscribe_url in body


def test_the_unsubscribe_link_in_the_email_works(welcome_email, client):
    unsubscribe_url = welcome_email.message()["List-Unsubscribe"].strip("<>")
    path = unsubscribe_url.removeprefix("https://lwc.example.org")
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    preference = Preference.objects.get()
    assert (preference.user.email, preference.kind, preference.enabled) == (welcome_email.to[0], WELCOME.key, False)


def test_the_welcome_names_the_collaborative_and_links_to_its_page(welcome_email, collaborative):
    page = f"https://lwc.example.org{collaborative.get_absolute_url()}"
    assert "Welcome to Lambeth Living Well Collaborative." in welcome_email.body
    assert page in welcome_email.body
    assert "<strong>Lambeth Living Well Collaborative</strong>" in html_of(welcome_email)
    assert f'href="{page}"' in html_of(welcome_email)


def test_names_are_not_html_escaped_in_plain_text(settings, other_collaborative, mailoutbox):
    other_collaborative.name = "Tameside & Glossop Living Well Collaborative"
    other_collaborative.save()
    membership_create(user=UserFactory(display_name="Pat O'Neill"), collaborative=other_collaborative)
    send_due()
    [email] = mailoutbox
    assert email.subject.endswith(" (Tameside & Glossop Living Well Collaborative)")
    assert email.body.startswith("Hello Pat O'Neill,")
    assert "Welcome to Tameside & Glossop Living Well Collaborative." in email.body
    assert "Tameside &amp; Glossop" in html_of(email)


def calendar_invitation(message):
    return [("meeting.ics", f"BEGIN:VCALENDAR\r\nX-MESSAGE:{message.pk}\r\nEND:VCALENDAR\r\n", "text/calendar")]


def test_a_kind_with_attachments_sends_them(collaborative, member, email_kind, mailoutbox):
    queue([member], collaborative, kind=email_kind("invitation", attachments=calendar_invitation))
    assert send_due() == 1
    parts = [part for part in mailoutbox[0].message().walk() if part.get_filename()]
    assert [(part.get_filename(), part.get_content_type()) for part in parts] == [("meeting.ics", "text/calendar")]
    assert f"X-MESSAGE:{Message.objects.get().pk}" in parts[0].get_payload(decode=True).decode()


def test_a_membership_stands_and_its_welcome_is_queued_when_the_broker_is_down(
    collaborative, user_factory, broker_down, django_capture_on_commit_callbacks
):
    """Beat's next scan sends the welcome; the person joining never sees an error."""
    person = user_factory()
    with django_capture_on_commit_callbacks(execute=True):
        membership = membership_create(user=person, collaborative=collaborative)
    assert membership.pk is not None
    assert Message.objects.filter(recipient=person, kind="welcome", status="pending").exists()


def test_a_scan_with_the_broker_down_puts_the_messages_back_for_the_next_one(
    collaborative, member, broker_down, django_capture_on_commit_callbacks
):
    queue([member], collaborative)
    with django_capture_on_commit_callbacks(execute=True):
        assert messages_dispatch(hand_out=send_messages_task.delay) == 1
    message = Message.objects.get()
    assert (message.status, message.claim, message.claimed_at) == (Message.Status.PENDING, "", None)
    assert messages_claim()[1] == [message.pk]  # The next scan takes it.


# Emails to an address: invitations to people who may have no account yet


@pytest.fixture
def address_kind(email_kind):
    """A kind sent to addresses, which the test can call off through `stop`."""
    stop = {"reason": ""}
    kind = email_kind(
        "to_address",
        subject="You are invited",
        text="{% extends 'notifications/email/base.txt' %}{% block greeting %}Hello,{% endblock %}"
        "{% block body %}Join us.{% endblock %}{% block footer %}Ignore this if unexpected.{% endblock %}",
        to_address=True,
        skip_reason=lambda message: stop["reason"],
    )
    return kind, stop


def queue_to(addresses, collaborative, kind, occasion="") -> None:
    messages_queue(addresses=addresses, collaborative=collaborative, kind=kind, about=collaborative, occasion=occasion)


def test_an_email_to_an_address_needs_no_account_or_membership(collaborative, address_kind, mailoutbox):
    kind, _ = address_kind
    queue_to(["New.Person@example.net"], collaborative, kind)
    assert send_due() == 1
    message = Message.objects.get()
    assert (message.recipient, message.to_address, message.sent_to) == (
        None,
        "New.Person@example.net",
        "New.Person@example.net",
    )
    (email,) = mailoutbox
    assert email.to == ["New.Person@example.net"]
    assert email.body.startswith("Hello,\n\nJoin us.")
    assert "Ignore this if unexpected." in email.body
    # No account, so nothing to unsubscribe from: no links, no one-click header.
    assert "List-Unsubscribe" not in email.extra_headers
    assert "/emails/" not in email.body


def test_an_address_gets_an_email_once_per_occasion(collaborative, address_kind):
    kind, _ = address_kind
    queue_to(["a@example.net"], collaborative, kind)
    queue_to(["a@example.net"], collaborative, kind)
    queue_to(["a@example.net"], collaborative, kind, occasion="send-2")
    assert Message.objects.filter(to_address="a@example.net").count() == 2


def test_a_kind_for_addresses_is_not_sent_to_members_and_the_other_way_round(collaborative, member, address_kind):
    kind, _ = address_kind
    with pytest.raises(ValueError, match="go to addresses"):
        queue([member], collaborative, kind=kind)
    with pytest.raises(ValueError, match="go to members"):
        queue_to(["a@example.net"], collaborative, WELCOME)
    assert not Message.objects.exists()


def test_an_email_called_off_before_the_worker_sends_it_is_skipped_with_the_reason(
    collaborative, address_kind, mailoutbox
):
    kind, stop = address_kind
    queue_to(["a@example.net"], collaborative, kind)
    stop["reason"] = "The invitation was withdrawn before the email went out."
    assert send_due() == 0
    message = Message.objects.get()
    assert message.status == Message.Status.SKIPPED
    assert message.last_error == "The invitation was withdrawn before the email went out."
    assert mailoutbox == []


def test_kinds_for_addresses_are_not_on_the_preferences_page(member):
    assert kind_named("invitation") is INVITATION
    assert INVITATION not in preferences_for(member)
    with pytest.raises(ValueError, match="Unknown kind"):
        preferences_save(user=member, choices={INVITATION: {"enabled": False}})
