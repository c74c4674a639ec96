"""The digest (issue 18): the three-way choice per kind, delivery keeping messages for the digest, beat's scan
gathering them once into one email per person per Collaborative at their local time, and what the digest says."""

import itertools
import re
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from actions.emails import ACTION_ASSIGNED
from meetings.emails import AGENDA_PUBLISHED, stamp
from members.emails import DIGEST, WELCOME
from members.models import Membership
from notifications import kinds
from notifications.delivery import messages_claim, messages_send
from notifications.digest import GROUPS_SHOWN, LINES_SHOWN, NOTHING_LEFT, digest_period, digests_gather
from notifications.kinds import digest_kind
from notifications.models import DIGEST_OFF, TURNED_OFF, DigestSchedule, Message, Preference
from notifications.services import messages_queue
from tests.factories import ActionFactory, MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# A Monday in winter (London is on UTC), far from midnight and from the clocks changing: the digest's moments
# are worked out from it, never from the time the tests run.
MONDAY_NINE = datetime(2027, 1, 11, 9, 0, tzinfo=LONDON)
PREFERENCES = reverse("notifications:preferences")
occasions = itertools.count()


def deliver(now=None) -> None:
    claim, ids = messages_claim(now=now or timezone.now() + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)


def published_meeting(collaborative, title="Monthly meeting"):
    meeting = MeetingFactory(collaborative=collaborative, title=title)
    meeting.agenda_published_at = timezone.now()
    meeting.save()
    return meeting


def queue_agenda(member, meeting) -> Message:
    with transaction.atomic():
        messages_queue(
            recipients=[member],
            collaborative=meeting.collaborative,
            kind=AGENDA_PUBLISHED,
            about=meeting,
            occasion=f"agenda-{stamp(meeting.agenda_published_at)}",
        )
    return Message.objects.get(recipient=member, kind=AGENDA_PUBLISHED.key, about_id=meeting.pk)


def held(member, collaborative, about, kind, at: datetime, occasion: str = "") -> Message:
    """A message kept for the member's digest, as delivery leaves one, due at `at`."""
    return Message.objects.create(
        recipient=member,
        collaborative=collaborative,
        kind=kind.key,
        about=about,
        occasion=occasion or f"held-{next(occasions)}",
        due_at=at,
        status=Message.Status.HELD,
    )


def held_agenda(member, meeting, at: datetime) -> Message:
    return held(
        member, meeting.collaborative, meeting, AGENDA_PUBLISHED, at, f"agenda-{stamp(meeting.agenda_published_at)}"
    )


def digests_of(member):
    return Message.objects.filter(recipient=member, kind=DIGEST.key)


def choose(member, kind, *, enabled=True, in_digest=None) -> None:
    Preference.objects.update_or_create(
        user=member, kind=kind.key, defaults={"enabled": enabled, "in_digest": in_digest}
    )


# The kinds


def test_the_digest_is_the_kind_that_gathers_and_cannot_itself_wait():
    assert digest_kind() is DIGEST
    assert not DIGEST.digestible
    for kind in (AGENDA_PUBLISHED, ACTION_ASSIGNED):
        assert kind.digestible
        assert kind.digest_item is not None
        # Nobody's emails change until they choose: these still come each time by default.
        assert kind.digest_default is False


# Delivery: each time, in my digest, off


def test_in_my_digest_keeps_the_message_instead_of_sending_it(member, collaborative, mailoutbox):
    choose(member, AGENDA_PUBLISHED, in_digest=True)
    message = queue_agenda(member, published_meeting(collaborative))
    deliver()
    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert message.last_error == ""
    assert message.digest is None
    assert mailoutbox == []


def test_each_time_sends_at_once(member, collaborative, mailoutbox):
    choose(member, AGENDA_PUBLISHED, in_digest=False)
    message = queue_agenda(member, published_meeting(collaborative))
    deliver()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(mailoutbox) == 1


def test_no_choice_follows_the_kinds_default(member, collaborative, mailoutbox, monkeypatch):
    first = queue_agenda(member, published_meeting(collaborative))
    deliver()
    first.refresh_from_db()
    assert first.status == Message.Status.SENT  # The agenda's default is "each time".
    # A kind whose default is the digest (new discussions, say) is kept for it.
    monkeypatch.setitem(kinds._registry, AGENDA_PUBLISHED.key, replace(AGENDA_PUBLISHED, digest_default=True))
    second = queue_agenda(member, published_meeting(collaborative))
    deliver()
    second.refresh_from_db()
    assert second.status == Message.Status.HELD
    choose(member, AGENDA_PUBLISHED, in_digest=False)  # Their own choice wins over the default.
    third = queue_agenda(member, published_meeting(collaborative))
    deliver()
    third.refresh_from_db()
    assert third.status == Message.Status.SENT


def test_off_is_off_and_never_in_the_digest(member, collaborative, mailoutbox):
    choose(member, AGENDA_PUBLISHED, enabled=False, in_digest=True)
    message = queue_agenda(member, published_meeting(collaborative))
    deliver()
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Message.Status.SKIPPED, TURNED_OFF)
    assert digests_gather(now=timezone.now() + timedelta(days=2)) == 0


def test_in_my_digest_with_the_digest_turned_off_is_not_sent_and_says_why(member, collaborative, mailoutbox):
    choose(member, AGENDA_PUBLISHED, in_digest=True)
    choose(member, DIGEST, enabled=False)
    message = queue_agenda(member, published_meeting(collaborative))
    deliver()
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Message.Status.SKIPPED, DIGEST_OFF)
    assert message.reason == "You chose to get this in your digest, and had turned your digest off."


def test_stale_news_is_skipped_rather_than_kept(member, collaborative):
    choose(member, AGENDA_PUBLISHED, in_digest=True)
    meeting = published_meeting(collaborative)
    message = queue_agenda(member, meeting)
    meeting.status = meeting.Status.CANCELLED
    meeting.save()
    deliver()
    message.refresh_from_db()
    assert message.status == Message.Status.SKIPPED


def test_kinds_that_cannot_wait_ignore_a_digest_choice(member, collaborative, mailoutbox):
    with transaction.atomic():
        messages_queue(recipients=[member], collaborative=collaborative, kind=WELCOME, about=collaborative)
    Preference.objects.create(user=member, kind=WELCOME.key, in_digest=True)
    deliver()
    assert Message.objects.get(kind=WELCOME.key).status == Message.Status.SENT


# The preferences page


def test_the_page_states_the_rule_and_offers_three_ways_for_kinds_that_can_wait(member_client):
    page = member_client.get(PREFERENCES).text
    assert "Who hears what: one rule" in page
    assert "Muting wins over everything else" in page
    # One fieldset of three radio buttons for each kind that can wait; a box for the others.
    assert re.search(r"<fieldset[^>]*>\s*<legend>A meeting&#x27;s agenda</legend>", page)
    for value in ("each_time", "in_digest", "off"):
        assert f'type="radio" name="agenda_published_way" value="{value}"' in page
    assert re.search(r'type="radio" name="agenda_published_way" value="each_time"[^>]*checked', page)
    assert 'name="welcome_enabled"' in page
    assert 'name="agenda_published_enabled"' not in page
    # The digest's schedule, every day at 08:00 to begin with.
    assert re.search(r'name="schedule-frequency" value="daily"[^>]*checked', page)
    assert 'name="schedule-send_at" value="08:00"' in page


def test_saving_the_three_ways_and_the_schedule(member_client, member):
    response = member_client.post(
        PREFERENCES,
        {
            "welcome_enabled": "on",
            "agenda_published_way": "in_digest",
            "notes_published_way": "off",
            "action_assigned_way": "each_time",
            "schedule-frequency": "weekly",
            "schedule-weekday": "4",
            "schedule-send_at": "18:30",
        },
    )
    assert response.status_code == 302
    saved = {p.kind: (p.enabled, p.in_digest) for p in Preference.objects.filter(user=member)}
    assert saved["agenda_published"] == (True, True)
    assert saved["notes_published"][0] is False
    assert saved["action_assigned"] == (True, False)
    schedule = DigestSchedule.objects.get(user=member)
    assert (schedule.frequency, schedule.weekday, schedule.send_at) == ("weekly", 4, time(18, 30))
    page = member_client.get(PREFERENCES).text
    assert re.search(r'name="agenda_published_way" value="in_digest"[^>]*checked', page)
    assert re.search(r'name="notes_published_way" value="off"[^>]*checked', page)


def test_turning_off_then_on_again_remembers_the_digest(member_client, member):
    choose(member, AGENDA_PUBLISHED, enabled=False, in_digest=True)
    page = member_client.get(PREFERENCES).text
    assert re.search(r'name="agenda_published_way" value="off"[^>]*checked', page)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"agenda_published_way": "sometimes"}, "Choose “Each time”, “In my digest” or “Off”"),
        ({"schedule-frequency": "daily", "schedule-weekday": "0", "schedule-send_at": "25:99"}, "Enter a time of day"),
        ({"schedule-frequency": "hourly", "schedule-weekday": "0", "schedule-send_at": "08:00"}, "every day or every"),
    ],
)
def test_a_bad_choice_is_explained_and_nothing_changes(member_client, member, data, error):
    response = member_client.post(PREFERENCES, {"welcome_enabled": "on", **data})
    assert response.status_code == 400
    assert error in response.text
    assert not Preference.objects.filter(user=member).exists()
    assert not DigestSchedule.objects.filter(user=member).exists()


# When the digest goes


@pytest.mark.parametrize(
    ("frequency", "weekday", "at", "now", "expected"),
    [
        # Daily at 08:00 London: at 09:00 today's is due; at 07:00, yesterday's was the last.
        ("daily", 0, time(8), MONDAY_NINE, ("2027-01-11", datetime(2027, 1, 11, 8, tzinfo=LONDON))),
        ("daily", 0, time(8), MONDAY_NINE.replace(hour=7), ("2027-01-10", datetime(2027, 1, 10, 8, tzinfo=LONDON))),
        # Weekly on Friday at 18:00: on Monday the last was the Friday before, in ISO week 1.
        ("weekly", 4, time(18), MONDAY_NINE, ("2027-W01", datetime(2027, 1, 8, 18, tzinfo=LONDON))),
        # Weekly on Monday at 08:00: due this Monday (week 2); at 07:00 it was last Monday's.
        ("weekly", 0, time(8), MONDAY_NINE, ("2027-W02", datetime(2027, 1, 11, 8, tzinfo=LONDON))),
        ("weekly", 0, time(8), MONDAY_NINE.replace(hour=7), ("2027-W01", datetime(2027, 1, 4, 8, tzinfo=LONDON))),
    ],
)
def test_the_period_and_its_moment_on_the_collaboratives_clocks(collaborative, frequency, weekday, at, now, expected):
    schedule = DigestSchedule(frequency=frequency, weekday=weekday, send_at=at)
    assert digest_period(schedule, collaborative, now) == expected


def test_the_time_is_the_collaboratives_own(collaborative):
    collaborative.time_zone = "America/New_York"
    schedule = DigestSchedule(send_at=time(8))
    # 09:00 in London is 04:00 in New York: the last 08:00 there was the day before.
    occasion, moment = digest_period(schedule, collaborative, MONDAY_NINE)
    assert occasion == "2027-01-10"
    assert moment == datetime(2027, 1, 10, 13, tzinfo=UTC)


def test_nothing_is_gathered_before_the_persons_time(member, collaborative):
    meeting = published_meeting(collaborative)
    held_agenda(member, meeting, MONDAY_NINE.replace(hour=7, minute=30))  # After Sunday's 08:00.
    assert digests_gather(now=MONDAY_NINE.replace(hour=7, minute=59)) == 0
    assert digests_gather(now=MONDAY_NINE.replace(hour=8, minute=0)) == 1
    digest = digests_of(member).get()
    assert digest.occasion == "2027-01-11"
    assert digest.about == Membership.objects.get(user=member, collaborative=collaborative)
    assert digest.status == Message.Status.PENDING


def test_weekly_digests_go_on_the_chosen_day(member, collaborative):
    DigestSchedule.objects.create(user=member, frequency="weekly", weekday=2, send_at=time(8))  # Wednesdays.
    held_agenda(member, published_meeting(collaborative), MONDAY_NINE)
    assert digests_gather(now=MONDAY_NINE + timedelta(days=1)) == 0  # Tuesday.
    assert digests_gather(now=MONDAY_NINE + timedelta(days=2)) == 1  # Wednesday, 09:00.
    assert digests_of(member).get().occasion == "2027-W02"


def test_never_made_when_nothing_is_held(member, collaborative):
    assert digests_gather(now=MONDAY_NINE) == 0
    sent = held_agenda(member, published_meeting(collaborative), MONDAY_NINE - timedelta(hours=3))
    Message.objects.filter(pk=sent.pk).update(status=Message.Status.SENT, sent_at=timezone.now())
    assert digests_gather(now=MONDAY_NINE) == 0
    assert not digests_of(member).exists()


def test_each_held_message_is_gathered_once_and_never_repeated(member, collaborative):
    first = held_agenda(member, published_meeting(collaborative, "First"), MONDAY_NINE - timedelta(hours=3))
    assert digests_gather(now=MONDAY_NINE) == 1
    assert digests_gather(now=MONDAY_NINE + timedelta(minutes=1)) == 0  # The next scan: nothing new.
    later = held_agenda(member, published_meeting(collaborative, "Second"), MONDAY_NINE + timedelta(hours=2))
    # Held after today's digest: it waits for tomorrow's.
    assert digests_gather(now=MONDAY_NINE + timedelta(hours=3)) == 0
    assert digests_gather(now=MONDAY_NINE + timedelta(days=1)) == 1
    today, tomorrow = digests_of(member).order_by("occasion")
    assert list(today.gathered.all()) == [first]
    assert list(tomorrow.gathered.all()) == [later]


def test_one_digest_per_collaborative(member, collaborative, other_collaborative):
    MembershipFactory(user=member, collaborative=other_collaborative)
    held_agenda(member, published_meeting(collaborative), MONDAY_NINE - timedelta(hours=2))
    held_agenda(member, published_meeting(other_collaborative), MONDAY_NINE - timedelta(hours=2))
    assert digests_gather(now=MONDAY_NINE) == 2
    assert {d.collaborative_id for d in digests_of(member)} == {collaborative.pk, other_collaborative.pk}


def test_a_message_already_gathered_is_not_taken_by_another_digest(member, collaborative):
    """The conditional update: a second digest made for the same messages gathers none, and is not kept."""
    message = held_agenda(member, published_meeting(collaborative), MONDAY_NINE - timedelta(hours=3))
    assert digests_gather(now=MONDAY_NINE) == 1
    digest = digests_of(member).get()
    # Even if the period's digest were somehow gone, the message stays in the one that gathered it.
    Message.objects.filter(pk=message.pk).update(digest=None)
    Message.objects.filter(pk=message.pk).update(digest=digest)
    assert digests_gather(now=MONDAY_NINE + timedelta(days=1)) == 0
    assert digests_of(member).count() == 1


# What the digest says


def send_digest(member, mailoutbox):
    deliver(now=timezone.now() + timedelta(days=3650))
    digest = digests_of(member).get()
    digest.refresh_from_db()
    return digest, (mailoutbox[-1] if mailoutbox else None)


def test_lines_are_grouped_by_thing_newest_first_each_group_once(member, collaborative, mailoutbox):
    older = ActionFactory(collaborative=collaborative, owner=member, title="Ask the trust about waiting lists")
    newer = ActionFactory(collaborative=collaborative, owner=member, title="Book the cafe for March")
    meeting = published_meeting(collaborative, "February meeting")
    start = MONDAY_NINE - timedelta(hours=6)
    held(member, collaborative, older, ACTION_ASSIGNED, start)
    held_agenda(member, meeting, start + timedelta(minutes=10))
    held(member, collaborative, newer, ACTION_ASSIGNED, start + timedelta(minutes=20))
    held(member, collaborative, older, ACTION_ASSIGNED, start + timedelta(minutes=30))  # Again: the same group.
    digests_gather(now=MONDAY_NINE)
    digest, email = send_digest(member, mailoutbox)
    assert digest.status == Message.Status.SENT
    text = email.body
    # The group with the newest line first; each group once, its lines newest first.
    titles = ["Ask the trust about waiting lists", "Book the cafe for March", "February meeting"]
    assert [text.index(title) for title in titles] == sorted(text.index(title) for title in titles)
    assert text.count("Ask the trust about waiting lists") == 1
    assert "4 new things since your last digest" in email.subject
    assert "Mark all as read: http" in text
    assert f"{PREFERENCES}#digest" in text
    html = email.alternatives[0][0]
    assert "Mark all as read" in html
    assert "February meeting" in html


def test_a_long_digest_is_capped_with_and_more(member, collaborative, mailoutbox):
    action = ActionFactory(collaborative=collaborative, owner=member, title="The busy action")
    start = MONDAY_NINE - timedelta(hours=8)
    for n in range(LINES_SHOWN + 3):
        held(member, collaborative, action, ACTION_ASSIGNED, start + timedelta(minutes=n))
    for n in range(GROUPS_SHOWN + 2):
        other = ActionFactory(collaborative=collaborative, owner=member, title=f"Quiet action {n}")
        held(member, collaborative, other, ACTION_ASSIGNED, start - timedelta(minutes=n + 1))
    digests_gather(now=MONDAY_NINE)
    _, email = send_digest(member, mailoutbox)
    assert "- and 3 more" in email.body
    assert "And 3 more things:" in email.body  # 23 groups, 20 shown.
    assert email.body.count("You are now the owner") == LINES_SHOWN + GROUPS_SHOWN - 1


def test_stale_lines_are_dropped_and_an_all_stale_digest_is_not_sent(member, collaborative, mailoutbox):
    action = ActionFactory(collaborative=collaborative, owner=member, title="Handed on later")
    held(member, collaborative, action, ACTION_ASSIGNED, MONDAY_NINE - timedelta(hours=1))
    digests_gather(now=MONDAY_NINE)
    action.owner = ActionFactory(collaborative=collaborative).owner
    action.save()
    digest, email = send_digest(member, mailoutbox)
    assert email is None
    assert (digest.status, digest.last_error) == (Message.Status.SKIPPED, NOTHING_LEFT)
    assert digest.reason == NOTHING_LEFT


# The lists of emails


def test_emails_sent_to_you_and_the_facilitators_list_show_what_was_kept(
    client, member, facilitator, collaborative, mailoutbox
):
    message = held_agenda(member, published_meeting(collaborative), MONDAY_NINE - timedelta(hours=1))
    client.force_login(member)
    assert "Kept for your next digest" in client.get(reverse("notifications:mine")).text
    detail = client.get(reverse("notifications:mine_detail", kwargs={"pk": message.pk})).text
    assert "it will be listed in your next one" in detail
    digests_gather(now=MONDAY_NINE)
    digest, _ = send_digest(member, mailoutbox)
    page = client.get(reverse("notifications:mine")).text
    assert f'href="{reverse("notifications:mine_detail", kwargs={"pk": digest.pk})}">In your digest</a>' in page
    client.force_login(facilitator)
    listed = client.get(reverse("notifications:collaborative_list", kwargs={"slug": collaborative.slug}))
    assert "In their digest" in listed.text
    held_only = client.get(
        reverse("notifications:collaborative_list", kwargs={"slug": collaborative.slug}), {"status": "held"}
    )
    assert held_only.text.count("In their digest") >= 2  # The filter's option and the row.


def test_the_digest_is_about_the_membership(member, collaborative):
    held_agenda(member, published_meeting(collaborative), MONDAY_NINE - timedelta(hours=1))
    digests_gather(now=MONDAY_NINE)
    assert digests_of(member).get().about_type == ContentType.objects.get_for_model(Membership)
