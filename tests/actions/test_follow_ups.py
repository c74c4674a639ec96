"""Follow-ups through the notification engine, checked with a moving clock: the owner is told
when given an action, 3 days before it is due, on the day and weekly while it is overdue;
facilitators get a digest before each meeting, commissioners a summary each month, and
the member who raised an agenda item hears when the action from it is done."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actions.emails import ACTION_ASSIGNED, ACTION_FOLLOW_UP, ACTIONS_DIGEST, ACTIONS_SUMMARY, YOU_SAID_WE_DID
from actions.models import Action
from actions.services import action_change, action_create, action_update_add, followups_queue
from meetings.models import AgendaItem, Decision, Venue
from meetings.services import meeting_schedule
from members.models import Membership
from notifications.delivery import message_render, messages_claim, messages_send
from notifications.models import Message
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
DUE = date(2030, 6, 13)  # A Thursday, in British Summer Time.
SITE = settings.SITE_URL.rstrip("/")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def queued(kind, **filters):
    return Message.objects.filter(kind=kind.key, **filters).order_by("id")


def occasions(kind, **filters) -> list[str]:
    return list(queued(kind, **filters).values_list("occasion", flat=True))


def deliver() -> int:
    """Send everything waiting, as the worker does (send_messages_task calls messages_send)."""
    claim, ids = messages_claim(now=at(2099, 1, 1))
    return messages_send(claim=claim, ids=ids)


def walk(first: date, last: date, hours=(0, 8, 9, 13, 23)) -> list[tuple[datetime, str, str]]:
    """Beat's scan several times a day from `first` to `last`: (when, kind, occasion) of each email queued."""
    seen = set(Message.objects.values_list("pk", flat=True))
    found = []
    day = first
    while day <= last:
        for hour in hours:
            moment = at(day.year, day.month, day.day, hour)
            followups_queue(now=moment)
            for message in Message.objects.exclude(pk__in=seen).order_by("id"):
                seen.add(message.pk)
                found.append((moment, message.kind, message.occasion))
        day += timedelta(days=1)
    return found


def follow_ups(found) -> list[tuple[datetime, str]]:
    return [(when, occasion) for when, kind, occasion in found if kind == ACTION_FOLLOW_UP.key]


def links(email) -> list[str]:
    """Every address in the plain text, each also in the HTML."""
    (html, _) = email.alternatives[0]
    urls = re.findall(r"https?://\S+", email.body)
    for url in urls:
        assert f'href="{url}"' in html.replace("&amp;", "&"), url
    return urls


def assert_links_work(email, user, elsewhere: str = "https://example.org/") -> None:
    """Every link of ours in the email opens for the person it was sent to (evidence `elsewhere` on the web aside)."""
    client = Client()
    client.force_login(user)
    urls = [url for url in links(email) if not url.startswith(elsewhere)]
    assert urls
    for url in urls:
        assert url.startswith(SITE + "/"), url
        response = client.get(url.removeprefix(SITE))
        assert response.status_code == 200, (url, response.status_code)


@pytest.fixture
def owner(collaborative):
    return MembershipFactory(collaborative=collaborative, user__display_name="Olu Owner").user


def record(collaborative, by, *, owner=None, due_on=DUE, title="Write to the trust about waiting times", **fields):
    return action_create(
        action=Action(collaborative=collaborative, title=title, owner=owner, due_on=due_on, **fields), by=by
    )


@pytest.fixture
def action(collaborative, facilitator, owner, people):
    return record(collaborative, facilitator, owner=owner, organisation="South London and Maudsley")


# Given an action.


def test_the_owner_is_told_when_someone_else_gives_them_an_action(action, owner, facilitator):
    (message,) = queued(ACTION_ASSIGNED)
    assert (message.recipient, message.about) == (owner, action)
    email = message_render(message)
    assert email.to == [owner.email]
    assert email.subject == (
        "An action for you: Write to the trust about waiting times (Lambeth Living Well Collaborative)"
    )
    assert f"{facilitator.display_name} has made you the owner of this action:" in email.body
    assert "Due: Thursday 13 June 2030" in email.body
    assert "Lead organisation: South London and Maudsley" in email.body
    assert f"The action: {SITE}{action.get_absolute_url()}\n" in email.body
    assert_links_work(email, owner)


def test_no_email_to_someone_who_takes_an_action_on_themselves(collaborative, member, people):
    mine = record(collaborative, member, owner=member)
    nobodys = record(collaborative, member, title="Find a room for the summer")
    action_change(action=nobodys, by=member, changes={"owner": member})
    assert not queued(ACTION_ASSIGNED).exists()
    assert mine.owner == member


def test_a_new_owner_is_told_each_time_the_owner_changes(action, owner, facilitator, member, collaborative):
    action_change(action=action, by=facilitator, changes={"owner": member})
    action_change(action=action, by=facilitator, changes={"owner": owner})
    assert list(queued(ACTION_ASSIGNED).values_list("recipient", flat=True)) == [owner.pk, member.pk, owner.pk]
    assert len(set(occasions(ACTION_ASSIGNED))) == 3
    email = message_render(queued(ACTION_ASSIGNED, recipient=member).get())
    assert f"{facilitator.display_name} has made you the owner" in email.body
    # Unchanged owner, other changes: nobody is told again.
    action_change(action=action, by=facilitator, changes={"title": "Write to the trust"})
    assert queued(ACTION_ASSIGNED).count() == 3


def test_an_assigned_email_is_not_sent_to_someone_no_longer_the_owner(action, owner, facilitator, member, mailoutbox):
    action_change(action=action, by=facilitator, changes={"owner": member})
    deliver()
    skipped = queued(ACTION_ASSIGNED, recipient=owner).get()
    assert (skipped.status, skipped.last_error) == (Message.Status.SKIPPED, "Someone else owns the action now.")
    assert [email.to for email in mailoutbox] == [[member.email]]


# Follow-ups for the owner.


def test_due_soon_due_and_weekly_overdue_each_once_at_nine_local_time(action):
    found = follow_ups(walk(date(2030, 6, 1), date(2030, 7, 10)))
    assert found == [
        (at(2030, 6, 10, 9), "due-soon-2030-06-13"),
        (at(2030, 6, 13, 9), "due-2030-06-13"),
        (at(2030, 6, 20, 9), "overdue-2030-06-13-1"),
        (at(2030, 6, 27, 9), "overdue-2030-06-13-2"),
        (at(2030, 7, 4, 9), "overdue-2030-06-13-3"),
    ]


def test_nine_oclock_is_local_time(action):
    # 07:59 UTC is 08:59 in London in June; 08:00 UTC is 09:00.
    assert followups_queue(now=datetime(2030, 6, 10, 7, 59, tzinfo=UTC)) == 0
    assert followups_queue(now=datetime(2030, 6, 10, 8, 0, tzinfo=UTC)) == 1
    assert followups_queue(now=datetime(2030, 6, 10, 8, 1, tzinfo=UTC)) == 0


@pytest.mark.parametrize(
    ("status", "reason", "said"),
    [
        (Action.Status.DONE, "", "The action is done."),
        (Action.Status.DROPPED, "No longer needed.", "The action is dropped."),
    ],
)
def test_follow_ups_stop_at_once_when_the_action_is_done_or_dropped(action, owner, mailoutbox, status, reason, said):
    followups_queue(now=at(2030, 6, 13, 9))
    assert occasions(ACTION_FOLLOW_UP) == ["due-2030-06-13"]
    action_change(action=action, by=owner, changes={"status": status, "status_reason": reason})
    deliver()
    message = queued(ACTION_FOLLOW_UP).get()
    assert (message.status, message.last_error) == (Message.Status.SKIPPED, said)
    assert not any("Your action" in email.subject for email in mailoutbox)
    assert follow_ups(walk(date(2030, 6, 13), date(2030, 7, 31))) == []


def test_a_blocked_action_is_still_followed_up(action, owner):
    action_change(action=action, by=owner, changes={"status": Action.Status.BLOCKED, "status_reason": "No reply."})
    followups_queue(now=at(2030, 6, 20, 9))
    email = message_render(queued(ACTION_FOLLOW_UP).get())
    assert "Status: Blocked (No reply.)" in email.body


def test_moving_the_due_date_starts_the_schedule_again(action, owner, mailoutbox):
    followups_queue(now=at(2030, 6, 10, 9))
    action_change(action=action, by=owner, changes={"due_on": date(2030, 6, 24)})
    deliver()
    old = queued(ACTION_FOLLOW_UP).get()
    assert (old.status, old.last_error) == (Message.Status.SKIPPED, "The due date has changed.")
    assert follow_ups(walk(date(2030, 6, 10), date(2030, 7, 2))) == [
        (at(2030, 6, 21, 9), "due-soon-2030-06-24"),
        (at(2030, 6, 24, 9), "due-2030-06-24"),
        (at(2030, 7, 1, 9), "overdue-2030-06-24-1"),
    ]


def test_no_follow_ups_for_an_action_without_an_owner_or_an_owner_who_left(collaborative, facilitator, owner):
    record(collaborative, facilitator, title="Nobody's yet")
    record(collaborative, facilitator, owner=owner, title="Owner left")
    Membership.objects.filter(user=owner).update(status=Membership.Status.LEFT, left_at=timezone.now())
    assert follow_ups(walk(date(2030, 6, 9), date(2030, 6, 21))) == []


def test_a_new_owner_gets_the_follow_up_the_previous_owner_no_longer_gets(action, owner, facilitator, member):
    followups_queue(now=at(2030, 6, 13, 9))
    action_change(action=action, by=facilitator, changes={"owner": member})
    followups_queue(now=at(2030, 6, 13, 10))
    assert list(queued(ACTION_FOLLOW_UP).values_list("recipient", "occasion")) == [
        (owner.pk, "due-2030-06-13"),
        (member.pk, "due-2030-06-13"),
    ]
    deliver()
    first, second = queued(ACTION_FOLLOW_UP)
    assert (first.status, first.last_error) == (Message.Status.SKIPPED, "Someone else owns the action now.")
    assert second.status == Message.Status.SENT


@pytest.mark.parametrize(
    ("moment", "subject", "opening"),
    [
        (at(2030, 6, 10, 9), "Your action is due in 3 days", "Your action is due in 3 days (Thursday 13 June 2030):"),
        (at(2030, 6, 13, 9), "Your action is due today", "Your action is due today (Thursday 13 June 2030):"),
        (
            at(2030, 6, 27, 9),
            "Your action is overdue by 2 weeks",
            "Your action is overdue by 2 weeks. It was due on Thursday 13 June 2030:",
        ),
    ],
)
def test_each_follow_up_says_which_it_is_and_its_links_work(action, owner, moment, subject, opening):
    followups_queue(now=moment)
    email = message_render(queued(ACTION_FOLLOW_UP).get())
    assert email.to == [owner.email]
    assert email.subject == f"{subject}: Write to the trust about waiting times (Lambeth Living Well Collaborative)"
    assert email.body.startswith(f"Hello Olu Owner,\n\n{opening}\n\nWrite to the trust about waiting times\n")
    assert "Status: Open" in email.body
    assert "mark it done, if it is done; the reminders then stop" in email.body
    assert f"The action: {SITE}{action.get_absolute_url()}\n" in email.body
    assert_links_work(email, owner)


def test_a_follow_up_counts_the_days_from_when_it_goes(collaborative, facilitator, owner):
    record(collaborative, facilitator, owner=owner, due_on=date(2030, 6, 11), title="Tomorrow")
    record(collaborative, facilitator, owner=owner, due_on=date(2030, 6, 7), title="Three days late")
    followups_queue(now=at(2030, 6, 10, 9))
    subjects = sorted(message_render(message).subject for message in queued(ACTION_FOLLOW_UP))
    assert subjects == [
        "Your action is due tomorrow: Tomorrow (Lambeth Living Well Collaborative)",
        "Your action is overdue by 3 days: Three days late (Lambeth Living Well Collaborative)",
    ]


def test_a_follow_up_that_goes_is_delivered_once(action, owner, mailoutbox):
    deliver()  # The email saying they own the action.
    followups_queue(now=at(2030, 6, 10, 9))
    assert deliver() == 1
    followups_queue(now=at(2030, 6, 11, 9))
    assert deliver() == 0
    (email,) = [email for email in mailoutbox if "Your action" in email.subject]
    assert email.to == [owner.email]


# Nothing said twice: given an action close to its due date, the owner is not also sent
# the reminder whose first day has come, since the email giving it to them says when it is due.


def day_name(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


@pytest.mark.parametrize(
    ("days_left", "reminders", "sent"),
    [
        (5, "We will remind you 3 days before it is due.", ["due-soon-{due}", "due-{due}", "overdue-{due}-1"]),
        (3, "We will remind you on the day it is due.", ["due-{due}", "overdue-{due}-1"]),
        (1, "We will remind you on the day it is due.", ["due-{due}", "overdue-{due}-1"]),
        (0, "If it is not done, we will remind you once a week, starting on {week}.", ["overdue-{due}-1"]),
        (-2, "If it is not done, we will remind you once a week, starting on {week}.", ["overdue-{due}-1"]),
    ],
)
def test_an_owner_given_an_action_close_to_its_due_date_is_not_reminded_the_same_day(
    collaborative, facilitator, owner, days_left, reminders, sent
):
    today = collaborative.local_today()
    due = today + timedelta(days=days_left)
    record(collaborative, facilitator, owner=owner, due_on=due)
    email = message_render(queued(ACTION_ASSIGNED).get())
    said = reminders.format(week=day_name(due + timedelta(days=7)))
    assert said in email.body
    assert said in email.alternatives[0][0]
    found = follow_ups(walk(today, due + timedelta(days=8)))
    assert [occasion for _, occasion in found] == [occasion.format(due=due.isoformat()) for occasion in sent]
    assert found[0][0].date() > today


def test_someone_who_records_their_own_action_due_tomorrow_hears_on_the_day(collaborative, owner):
    today = collaborative.local_today()
    due = today + timedelta(days=1)
    record(collaborative, owner, owner=owner, due_on=due)
    assert not queued(ACTION_ASSIGNED).exists()
    assert follow_ups(walk(today, due)) == [(at(due.year, due.month, due.day, 9), f"due-{due.isoformat()}")]


def test_a_new_owner_skips_the_reminder_the_old_owner_would_have_had(collaborative, facilitator, owner, member):
    today = collaborative.local_today()
    due = today + timedelta(days=2)
    kept = record(collaborative, facilitator, owner=owner, due_on=due, title="Kept by its owner")
    passed_on = record(collaborative, facilitator, owner=owner, due_on=due, title="Passed on")
    Action.objects.filter(pk__in=[kept.pk, passed_on.pk]).update(created_at=timezone.now() - timedelta(days=10))
    action_change(action=passed_on, by=facilitator, changes={"owner": member})
    found = walk(today, due)
    assert list(queued(ACTION_FOLLOW_UP).values_list("about_id", "recipient", "occasion")) == [
        (kept.pk, owner.pk, f"due-soon-{due.isoformat()}"),
        (kept.pk, owner.pk, f"due-{due.isoformat()}"),
        (passed_on.pk, member.pk, f"due-{due.isoformat()}"),
    ]
    assert len(follow_ups(found)) == 3


# The digest to facilitators before a meeting.


@pytest.fixture
def venue(collaborative):
    return Venue.objects.create(collaborative=collaborative, name="Cafe on the Green", address="1 High Street")


@pytest.fixture
def meetings(collaborative, facilitator, venue):
    """The May meeting and the June one (Tuesday 18 June 2030, 10:00)."""
    return [
        meeting_schedule(
            collaborative=collaborative, by=facilitator, day=day, start=time(10), end=time(12, 30), venue=venue
        )
        for day in (date(2030, 5, 21), date(2030, 6, 18))
    ]


def changed_on(action: Action, moment: datetime) -> None:
    Action.objects.filter(pk=action.pk).update(updated_at=moment)


@pytest.fixture
def to_review(collaborative, other_collaborative, facilitator, owner, member, meetings):
    """Actions of every kind the digest sorts, and some it leaves out."""
    late = record(collaborative, facilitator, owner=owner, due_on=date(2030, 6, 1), title="Late one")
    blocked = record(collaborative, facilitator, owner=member, due_on=date(2030, 6, 5), title="Blocked one")
    action_change(action=blocked, by=facilitator, changes={"status": "blocked", "status_reason": "Waiting for funds."})
    due = record(collaborative, facilitator, owner=owner, due_on=date(2030, 6, 17), title="Due before the meeting")
    finished = record(collaborative, facilitator, owner=owner, due_on=date(2030, 7, 1), title="Finished early")
    action_change(action=finished, by=owner, changes={"status": "done"})
    later = record(collaborative, facilitator, owner=owner, due_on=date(2030, 9, 1), title="Later, untouched")
    old = record(collaborative, facilitator, due_on=date(2030, 4, 1), title="Dropped long ago")
    action_change(action=old, by=facilitator, changes={"status": "dropped", "status_reason": "Merged."})
    theirs = MembershipFactory(collaborative=other_collaborative).user
    elsewhere = record(other_collaborative, theirs, owner=theirs, due_on=date(2030, 6, 1), title="Luton's")
    # The clock of these tests is in 2030: say when each was last changed.
    for action in (late, blocked, due, later, old, elsewhere):
        changed_on(action, at(2030, 5, 1))
    changed_on(finished, at(2030, 6, 2, 15))
    return {"late": late, "blocked": blocked, "due": due, "finished": finished}


def test_facilitators_get_the_digest_three_days_before_the_meeting_once(
    collaborative, meetings, to_review, facilitator, people
):
    second = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    digests = [
        (when, occasion)
        for when, kind, occasion in walk(date(2030, 5, 1), date(2030, 6, 19))
        if kind == "actions_digest"
    ]
    # One for each facilitator before each meeting, at 09:00 three days before.
    assert digests == [
        (at(2030, 5, 18, 9), ""),
        (at(2030, 5, 18, 9), ""),
        (at(2030, 6, 15, 9), ""),
        (at(2030, 6, 15, 9), ""),
    ]
    june = queued(ACTIONS_DIGEST, about_id=meetings[1].pk)
    assert set(june.values_list("recipient", flat=True)) == {facilitator.pk, second.pk}


def test_the_digest_lists_overdue_due_and_changed_actions_and_its_links_work(meetings, to_review, facilitator):
    followups_queue(now=at(2030, 6, 15, 9))
    email = message_render(queued(ACTIONS_DIGEST, about_id=meetings[1].pk).get())
    assert email.subject == "Actions to review at the meeting on Tuesday 18 June (Lambeth Living Well Collaborative)"
    body = email.body
    overdue = body[body.index("Overdue (2):") : body.index("Due by the meeting")]
    due = body[body.index("Due by the meeting (1):") : body.index("Changed since")]
    changed = body[body.index("Changed since the last meeting on 21 May 2030 (1):") : body.index("The meeting page:")]
    assert "Late one" in overdue
    assert "Blocked one" in overdue
    assert "Blocked: Waiting for funds." in overdue
    assert "Due before the meeting" in due
    assert "Owner: Olu Owner. Due 17 June 2030. Open." in due
    assert "Finished early" in changed
    assert "Done." in changed
    for left_out in ("Later, untouched", "Dropped long ago", "Luton's"):
        assert left_out not in body
    for action in to_review.values():
        assert f"{SITE}{action.get_absolute_url()}\n" in body
    assert "you are a facilitator of Lambeth Living Well Collaborative" in body
    assert_links_work(email, facilitator)


def test_a_digest_with_nothing_to_review_says_so(meetings, facilitator):
    followups_queue(now=at(2030, 6, 15, 9))
    email = message_render(queued(ACTIONS_DIGEST, about_id=meetings[1].pk).get())
    assert "No actions are overdue, due by the meeting or changed since the last one." in email.body
    assert "Overdue (" not in email.body


def test_a_long_digest_lists_the_most_pressing_and_links_to_the_log_of_them_all(
    collaborative, meetings, to_review, facilitator
):
    Action.objects.bulk_create(
        Action(collaborative=collaborative, title=f"Late {i:03d}", due_on=date(2030, 6, 1), updated_at=at(2030, 5, 1))
        for i in range(40)
    )
    followups_queue(now=at(2030, 6, 15, 9))

    email = message_render(queued(ACTIONS_DIGEST, about_id=meetings[1].pk).get())

    body = email.body
    assert "to look at together: 44 in all, the most pressing 20 listed here." in body
    overdue = body[body.index("Overdue (42):") : body.index("Due by the meeting")]
    # The oldest due first: "Late one" and 19 of the 40, then a count of the rest ("Blocked one" among them).
    assert overdue.count("\n- Late ") == 20
    assert "- And 22 more: see them in the action log." in overdue
    assert "Blocked one" not in body
    assert "Due by the meeting (1):\n- Not listed here: see them in the action log." in body
    log = f"{SITE}{reverse('actions:log', kwargs={'slug': 'lambeth'})}?arising={meetings[1].pk}&finished=on"
    assert f"See all 44 in the action log: {log}\n" in body
    assert_links_work(email, facilitator)
    client = Client()
    client.force_login(facilitator)
    assert client.get(log.removeprefix(SITE)).context["page"].paginator.count == 44


def test_no_digest_for_a_cancelled_meeting(meetings, to_review, facilitator, mailoutbox):
    from meetings.services import meeting_cancel

    followups_queue(now=at(2030, 6, 15, 9))
    meeting_cancel(meeting=meetings[1], by=facilitator, reason="The cafe is closed.")
    deliver()
    digest = queued(ACTIONS_DIGEST, about_id=meetings[1].pk).get()
    assert (digest.status, digest.last_error) == (Message.Status.SKIPPED, "The meeting was cancelled.")


# The monthly summary to commissioners.


@pytest.fixture
def commissioner(people):
    return people["commissioner"]


def test_commissioners_get_the_summary_on_the_first_of_each_month_once(collaborative, action, commissioner, people):
    summaries = [
        (when, occasion)
        for when, kind, occasion in walk(date(2030, 6, 25), date(2030, 8, 2))
        if kind == "actions_summary"
    ]
    assert summaries == [(at(2030, 7, 1, 9), "summary-2030-07"), (at(2030, 8, 1, 9), "summary-2030-08")]
    assert set(queued(ACTIONS_SUMMARY).values_list("recipient", flat=True)) == {commissioner.pk}


def test_someone_who_becomes_a_commissioner_mid_month_waits_for_the_first(collaborative, action, commissioner):
    late = MembershipFactory(collaborative=collaborative, role=Membership.Role.COMMISSIONER).user
    followups_queue(now=at(2030, 7, 15, 9))
    assert not queued(ACTIONS_SUMMARY).exists()
    followups_queue(now=at(2030, 8, 1, 9))
    assert set(queued(ACTIONS_SUMMARY).values_list("recipient", flat=True)) == {commissioner.pk, late.pk}


def test_the_summary_counts_the_log_lists_overdue_actions_with_owners_and_its_links_work(
    collaborative, facilitator, owner, member, commissioner
):
    late = record(collaborative, facilitator, owner=owner, due_on=date(2030, 6, 20), title="Late one")
    record(collaborative, facilitator, owner=member, due_on=date(2030, 8, 20), title="Not yet due")
    going = record(collaborative, facilitator, owner=owner, due_on=date(2030, 8, 20), title="Going")
    action_change(action=going, by=owner, changes={"status": "in_progress"})
    stuck = record(collaborative, facilitator, owner=member, due_on=date(2030, 6, 30), title="Stuck")
    action_change(action=stuck, by=member, changes={"status": "blocked", "status_reason": "No room."})
    for title, done_at in [("Done in June", at(2030, 6, 20, 12)), ("Done in May", at(2030, 5, 31, 23))]:
        done = record(collaborative, facilitator, owner=owner, due_on=date(2030, 6, 25), title=title)
        action_change(action=done, by=owner, changes={"status": "done"})
        Action.objects.filter(pk=done.pk).update(done_at=done_at)
    followups_queue(now=at(2030, 7, 1, 9))
    email = message_render(queued(ACTIONS_SUMMARY).get())
    assert email.to == [commissioner.email]
    assert email.subject == "The action log on 1 July 2030 (Lambeth Living Well Collaborative)"
    assert "\nOpen: 2\nIn progress: 1\nBlocked: 1\nDone in June: 1\nOverdue: 2\n" in email.body
    overdue = email.body[email.body.index("Overdue actions:") : email.body.index("The overview")]
    assert "- Late one\n  Owner: Olu Owner. Due 20 June 2030. Open." in overdue
    assert f"- Stuck\n  Owner: {member.display_name}. Due 30 June 2030. Blocked: No room." in overdue
    assert "Not yet due" not in overdue
    assert f"{SITE}{late.get_absolute_url()}\n" in overdue
    dashboard = SITE + reverse("actions:dashboard", kwargs={"slug": collaborative.slug})
    log = SITE + reverse("actions:log", kwargs={"slug": collaborative.slug}) + "?overdue=on"
    assert f"The overview, with charts: {dashboard}\n" in email.body
    assert f"Overdue actions in the log, to filter or download: {log}\n" in email.body
    assert "you are a commissioner of Lambeth Living Well Collaborative" in email.body
    assert_links_work(email, commissioner)


def test_a_summary_with_nothing_overdue_says_so(collaborative, action, commissioner):
    followups_queue(now=at(2030, 6, 1, 9))
    email = message_render(queued(ACTIONS_SUMMARY).get())
    assert "\nOpen: 1\nIn progress: 0\nBlocked: 0\nDone in May: 0\nOverdue: 0\n" in email.body
    assert "No action is overdue." in email.body


# You said, we did.


@pytest.fixture
def raised(collaborative, member, meetings):
    """An agenda item the member proposed at the May meeting, and the decision made about it."""
    item = AgendaItem.objects.create(
        meeting=meetings[0], title="Waiting times at the Hub", proposed_by=member, status=AgendaItem.Status.ACCEPTED
    )
    decision = Decision.objects.create(meeting=meetings[0], agenda_item=item, text="We write to the trust.")
    return item, decision


def test_the_member_who_raised_it_is_told_when_the_action_is_done(
    collaborative, facilitator, owner, member, meetings, raised, mailoutbox
):
    item, decision = raised
    action = record(collaborative, facilitator, owner=owner, meeting=meetings[0], agenda_item=item, decision=decision)
    action_update_add(
        action=action,
        by=owner,
        text="The trust replied: a new triage line from July.",
        link="https://example.org/reply",
    )
    action_change(action=action, by=owner, changes={"status": Action.Status.IN_PROGRESS})
    assert not queued(YOU_SAID_WE_DID).exists()
    action_change(action=action, by=owner, changes={"status": Action.Status.DONE})
    (message,) = queued(YOU_SAID_WE_DID)
    assert (message.recipient, message.about) == (member, action)
    email = message_render(message)
    assert (
        email.subject == "You said, we did: Write to the trust about waiting times (Lambeth Living Well Collaborative)"
    )
    assert "You raised “Waiting times at the Hub” for the meeting on Tuesday 21 May 2030." in email.body
    assert "Owner: Olu Owner. Done on" in email.body
    assert "The trust replied: a new triage line from July." in email.body
    assert "Evidence: https://example.org/reply" in email.body
    assert_links_work(email, member)
    # Done, reopened, done again: told once.
    action_change(action=action, by=owner, changes={"status": Action.Status.OPEN})
    action_change(action=action, by=owner, changes={"status": Action.Status.DONE})
    assert queued(YOU_SAID_WE_DID).count() == 1


def test_not_told_when_they_mark_it_done_themselves(collaborative, facilitator, member, meetings, raised):
    item, _ = raised
    action = record(collaborative, facilitator, owner=member, meeting=meetings[0], agenda_item=item)
    action_change(action=action, by=member, changes={"status": Action.Status.DONE})
    assert not queued(YOU_SAID_WE_DID).exists()


def test_not_told_when_the_action_is_reopened_before_the_email_goes(
    collaborative, facilitator, owner, meetings, raised, mailoutbox
):
    item, _ = raised
    action = record(collaborative, facilitator, owner=owner, meeting=meetings[0], agenda_item=item)
    action_change(action=action, by=owner, changes={"status": Action.Status.DONE})
    action_change(action=action, by=owner, changes={"status": Action.Status.IN_PROGRESS})
    deliver()
    message = queued(YOU_SAID_WE_DID).get()
    assert (message.status, message.last_error) == (Message.Status.SKIPPED, "The action is no longer marked done.")


def test_told_when_the_action_is_recorded_as_already_done(collaborative, facilitator, owner, member, meetings, raised):
    item, _ = raised
    action = record(collaborative, facilitator, owner=owner, meeting=meetings[0], agenda_item=item, status="done")
    (message,) = queued(YOU_SAID_WE_DID)
    assert (message.recipient, message.about) == (member, action)
    assert "You raised “Waiting times at the Hub”" in message_render(message).body
    # The same rules as for a change to done: not when they record it themselves.
    record(collaborative, member, owner=owner, meeting=meetings[0], agenda_item=item, status="done", title="Again")
    assert queued(YOU_SAID_WE_DID).count() == 1
