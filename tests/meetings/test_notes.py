"""Notes, decisions and minutes: facilitators write a draft that only they see, every change
is kept, publishing tells members, decisions are withdrawn but never deleted, and the next
meeting approves the minutes, after which nothing in them can change."""

import html
import re
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings.emails import NOTES_PUBLISHED
from meetings.models import AgendaItem, Decision, Meeting, NotesRevision
from meetings.services import (
    decision_record,
    decision_withdraw,
    meeting_cancel,
    minutes_approve,
    minutes_to_approve,
    notes_publish,
    notes_save,
)
from members.models import Collaborative
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

NOT_STARTED = "Notes can be published once the meeting has started."
EMPTY = "Write some notes or record a decision before publishing."
APPROVED = "These minutes have been approved, so they can no longer be changed."
CANCELLED = "This meeting was cancelled."
NOT_TODAY = "Minutes are approved at the meeting itself, from its day."
NONE_WAITING = "No earlier minutes are waiting to be approved."
DRAFT = "A draft: only facilitators see it until it is published."
UNPUBLISHED = "The notes have not been published yet."


def local_midnight(collaborative: Collaborative, days: int = 0) -> datetime:
    zone = ZoneInfo(collaborative.time_zone)
    return datetime.combine(timezone.localdate(timezone.now(), zone) + timedelta(days=days), clock(0), zone)


def meeting_today(collaborative: Collaborative, **overrides) -> Meeting:
    """A meeting that started earlier today (Collaborative time) and is still going."""
    now = timezone.now()
    start = max(now - timedelta(hours=1), local_midnight(collaborative))
    return MeetingFactory(collaborative=collaborative, starts_at=start, ends_at=now + timedelta(hours=1), **overrides)


def meeting_days_ago(collaborative: Collaborative, days: int, **overrides) -> Meeting:
    start = local_midnight(collaborative, -days) + timedelta(hours=10)
    return MeetingFactory(collaborative=collaborative, starts_at=start, **overrides)


def item_on(meeting: Meeting, title: str, position: int = 1) -> AgendaItem:
    return AgendaItem.objects.create(meeting=meeting, title=title, status=AgendaItem.Status.ACCEPTED, position=position)


def text(response) -> str:
    return html.unescape(response.content.decode())


def words(body: str) -> str:
    """The text of some HTML, as a screen reader would join it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def url(name: str, meeting: Meeting, **kwargs) -> str:
    return reverse(f"meetings:{name}", kwargs={"slug": meeting.collaborative.slug, "pk": meeting.pk, **kwargs})


def send_due_emails() -> int:
    claim, ids = messages_claim()
    return messages_send(claim=claim, ids=ids)


def published(meeting: Meeting) -> Meeting:
    """The meeting with some notes published (as a facilitator would)."""
    facilitator = meeting.collaborative.memberships.filter(role="facilitator").first().user
    notes_save(meeting=meeting, by=facilitator, general_notes="We met and talked.", item_notes={})
    return notes_publish(meeting=meeting, by=facilitator)


@pytest.fixture
def meeting(collaborative) -> Meeting:
    return meeting_today(collaborative)


@pytest.fixture
def items(meeting) -> list[AgendaItem]:
    return [item_on(meeting, "Welcome", 1), item_on(meeting, "Crisis care", 2)]


def save(client, meeting: Meeting, general: str = "", **item_texts: str):
    """Post the notes form: `item_texts` maps item_<pk> to its notes."""
    return client.post(url("notes", meeting), {"general_notes": general, **item_texts})


# The draft


def test_a_facilitator_writes_notes_under_each_item(facilitator_client, meeting, items):
    crisis = items[1]
    page = text(facilitator_client.get(url("notes", meeting)))
    assert "1. Welcome" in page
    assert "2. Crisis care" in page
    assert "Other notes" in page

    response = save(facilitator_client, meeting, "Tea was good.", **{f"item_{crisis.pk}": "Waits are **long**."})
    assert response.status_code == 302
    assert response.url == url("notes", meeting)
    assert flash(response) == ["The notes are saved. Members see them once you publish."]
    crisis.refresh_from_db()
    assert crisis.notes == "Waits are **long**."
    assert Meeting.objects.get(pk=meeting.pk).general_notes == "Tea was good."
    page = text(facilitator_client.get(url("notes", meeting)))
    assert "Waits are **long**." in page  # Back in its box, as typed.


def test_draft_notes_are_seen_only_by_facilitators(client, people, meeting, items):
    facilitator = people["facilitator"]
    notes_save(meeting=meeting, by=facilitator, general_notes="Draft words.", item_notes={items[1].pk: "On crisis."})
    decision_record(meeting=meeting, by=facilitator, text="Write to the trust.")

    client.force_login(facilitator)
    page = text(client.get(meeting.get_absolute_url()))
    assert DRAFT in page
    for words in ["Draft words.", "On crisis.", "Write to the trust."]:
        assert words in page

    for role in ["member", "commissioner"]:
        client.force_login(people[role])
        page = text(client.get(meeting.get_absolute_url()))
        assert UNPUBLISHED in page
        for words in ["Draft words.", "On crisis.", "Write to the trust.", DRAFT]:
            assert words not in page


def test_before_the_meeting_starts_there_is_no_notes_section(member_client, collaborative):
    upcoming = MeetingFactory(collaborative=collaborative)
    page = text(member_client.get(upcoming.get_absolute_url()))
    assert "Notes and decisions" not in page
    assert UNPUBLISHED not in page


def test_notes_that_are_too_long_are_explained_and_nothing_is_saved(facilitator_client, meeting, items):
    response = save(facilitator_client, meeting, "x" * 20_001)
    assert response.status_code == 400
    assert "Ensure this value has at most 20000 characters (it has 20001)." in text(response)
    assert Meeting.objects.get(pk=meeting.pk).general_notes == ""
    assert not NotesRevision.objects.exists()


# Revisions


def test_each_save_keeps_a_revision_of_only_what_changed(facilitator_client, facilitator, meeting, items):
    welcome, crisis = items
    key_w, key_c = f"item_{welcome.pk}", f"item_{crisis.pk}"

    save(facilitator_client, meeting, "", **{key_w: "Hello all.", key_c: ""})
    assert list(NotesRevision.objects.values_list("agenda_item", "text")) == [(welcome.pk, "Hello all.")]

    save(facilitator_client, meeting, "", **{key_w: "Hello all.", key_c: ""})  # Nothing changed.
    assert NotesRevision.objects.count() == 1

    save(facilitator_client, meeting, "Other things.", **{key_w: "Hello all.", key_c: "Waits are long."})
    save(facilitator_client, meeting, "Other things.", **{key_w: "Hello, all.", key_c: "Waits are long."})

    assert list(NotesRevision.objects.order_by("edited_at", "id").values_list("agenda_item", "text")) == [
        (welcome.pk, "Hello all."),
        (crisis.pk, "Waits are long."),
        (None, "Other things."),
        (welcome.pk, "Hello, all."),
    ]
    assert set(NotesRevision.objects.values_list("meeting", "edited_by")) == {(meeting.pk, facilitator.pk)}


def test_clearing_notes_is_a_change_too(facilitator, meeting, items):
    notes_save(meeting=meeting, by=facilitator, general_notes="Oops.", item_notes={})
    notes_save(meeting=meeting, by=facilitator, general_notes="", item_notes={})
    assert list(NotesRevision.objects.values_list("text", flat=True)) == ["Oops.", ""]


def test_notes_for_an_item_no_longer_on_the_agenda_are_refused(facilitator, meeting, items):
    crisis = items[1]
    AgendaItem.objects.filter(pk=crisis.pk).update(status=AgendaItem.Status.WITHDRAWN)
    with pytest.raises(ValidationError) as error:
        notes_save(meeting=meeting, by=facilitator, general_notes="", item_notes={crisis.pk: "Late words."})
    assert error.value.messages == ["One of the agenda items is no longer on the agenda. Reload the page."]
    assert not NotesRevision.objects.exists()


def test_an_item_of_another_meeting_gets_no_notes(facilitator_client, meeting, items, collaborative):
    elsewhere = item_on(meeting_days_ago(collaborative, 30), "Elsewhere")
    save(facilitator_client, meeting, "", **{f"item_{elsewhere.pk}": "Sneaky."})
    elsewhere.refresh_from_db()
    assert elsewhere.notes == ""


# Publishing


def test_publishing_waits_for_the_meeting_to_start(facilitator_client, facilitator, collaborative):
    upcoming = MeetingFactory(collaborative=collaborative)
    notes_save(meeting=upcoming, by=facilitator, general_notes="Written early.", item_notes={})
    response = facilitator_client.post(url("notes_publish", upcoming))
    assert response.status_code == 400  # The notes page again, with what was typed on it.
    assert flash(response) == [NOT_STARTED]
    assert Meeting.objects.get(pk=upcoming.pk).notes_published_at is None
    assert not Message.objects.filter(kind=NOTES_PUBLISHED.key).exists()


@pytest.mark.parametrize("general", ["", "   \n  "])
def test_publishing_needs_some_notes_or_a_decision(facilitator_client, facilitator, meeting, items, general):
    Meeting.objects.filter(pk=meeting.pk).update(general_notes=general)
    response = facilitator_client.post(url("notes_publish", meeting))
    assert flash(response) == [EMPTY]
    assert Meeting.objects.get(pk=meeting.pk).notes_published_at is None

    decision_record(meeting=meeting, by=facilitator, text="Meet again in May.")
    notes_publish(meeting=meeting, by=facilitator)  # A decision alone is enough.
    assert Meeting.objects.get(pk=meeting.pk).notes_published_at is not None


def test_a_withdrawn_decision_alone_is_not_enough_to_publish(facilitator, meeting):
    """Otherwise members would be emailed about notes with nothing in them."""
    mistake = decision_record(meeting=meeting, by=facilitator, text="Close the Collaborative.")
    decision_withdraw(decision=mistake, by=facilitator)
    with pytest.raises(ValidationError) as error:
        notes_publish(meeting=meeting, by=facilitator)
    assert error.value.messages == [EMPTY]
    assert not Message.objects.filter(kind=NOTES_PUBLISHED.key).exists()


def test_notes_under_an_item_are_enough_to_publish(facilitator, meeting, items):
    notes_save(meeting=meeting, by=facilitator, general_notes="", item_notes={items[0].pk: "Hello."})
    assert notes_publish(meeting=meeting, by=facilitator).notes_published_at is not None


def test_publishing_shows_the_notes_to_members_and_emails_them_the_decisions(
    client, people, meeting, items, mailoutbox
):
    facilitator = people["facilitator"]
    notes_save(meeting=meeting, by=facilitator, general_notes="**Tea** was good.", item_notes={items[1].pk: "Waits."})
    decision_record(
        meeting=meeting, by=facilitator, text="Write to the trust about waiting times.", agenda_item=items[1]
    )
    mistake = decision_record(meeting=meeting, by=facilitator, text="Close the Collaborative.")
    decision_withdraw(decision=mistake, by=facilitator)

    client.force_login(facilitator)
    response = client.post(url("notes_publish", meeting))
    assert response.status_code == 302
    assert response.url == f"{meeting.get_absolute_url()}#notes"
    assert flash(response) == ["The notes are published. Members are being told by email."]

    told = Message.objects.filter(kind=NOTES_PUBLISHED.key, about_id=meeting.pk)
    assert set(told.values_list("recipient", flat=True)) == {
        people[role].pk for role in ("member", "facilitator", "commissioner")
    }
    send_due_emails()
    email = next(e for e in mailoutbox if e.to == [people["member"].email])
    local = meeting.local_start
    assert (
        email.subject
        == f"Notes of the meeting on {local:%A} {local.day} {local:%B} (Lambeth Living Well Collaborative)"
    )
    assert "- Write to the trust about waiting times." in email.body
    assert "Close the Collaborative." not in email.body  # Withdrawn.
    assert meeting.get_absolute_url() in email.body
    html_body = next(content for content, mimetype in email.alternatives if mimetype == "text/html")
    assert "<li>Write to the trust about waiting times.</li>" in html_body
    assert "Close the Collaborative." not in html_body

    client.force_login(people["member"])
    page = text(client.get(meeting.get_absolute_url()))
    assert "<strong>Tea</strong> was good." in page
    assert "Waits." in page
    assert "<li>Write to the trust about waiting times.</li>" in page
    assert "Close the Collaborative." not in page
    assert "Not yet approved: the next meeting approves them." in page
    assert DRAFT not in page


def test_corrections_after_publishing_are_kept_and_can_be_published_again(client, people, meeting, items):
    facilitator = people["facilitator"]
    published(meeting)
    client.force_login(facilitator)
    page = text(client.get(url("notes", meeting)))
    assert "Corrections can be made until the minutes are approved at the next meeting" in page
    assert "Publish the corrections and tell members" in page

    response = save(client, meeting, "We met, and talked at length.")
    assert flash(response) == ["The notes are saved."]
    assert list(NotesRevision.objects.values_list("text", flat=True)) == [
        "We met and talked.",
        "We met, and talked at length.",
    ]
    client.force_login(people["member"])
    assert "We met, and talked at length." in text(client.get(meeting.get_absolute_url()))

    notes_publish(meeting=Meeting.objects.get(pk=meeting.pk), by=facilitator)
    assert Message.objects.filter(kind=NOTES_PUBLISHED.key, recipient=people["member"]).count() == 2


# Decisions


def test_a_facilitator_records_a_decision_under_an_item(facilitator_client, facilitator, meeting, items):
    response = facilitator_client.post(
        url("decision_add", meeting), {"text": "  Write to the trust.  ", "agenda_item": items[1].pk}
    )
    assert response.status_code == 302
    assert response.url == f"{url('notes', meeting)}#decisions"
    assert flash(response) == ["The decision is recorded."]
    decision = Decision.objects.get()
    assert (decision.meeting, decision.agenda_item, decision.text, decision.recorded_by) == (
        meeting,
        items[1],
        "Write to the trust.",
        facilitator,
    )
    page = text(facilitator_client.get(url("notes", meeting)))
    assert "Write to the trust." in page
    assert "(Crisis care)" in page


@pytest.mark.parametrize(
    ("typed", "explained"),
    [
        ("", "Write what was decided."),
        ("   ", "Write what was decided."),
        ("x" * 2001, "Keep it to 2,000 characters or fewer (it has 2001)."),
    ],
)
def test_a_decision_without_words_is_explained_and_nothing_is_saved(facilitator_client, meeting, typed, explained):
    response = facilitator_client.post(url("decision_add", meeting), {"text": typed})
    assert response.status_code == 400
    assert f"What was decided: {explained}" in text(response)
    assert not Decision.objects.exists()
    if typed.strip():
        assert f">\n{typed}</textarea>" in text(response)  # What was typed is still in its box.


def test_a_decision_under_another_meetings_item_is_refused(facilitator_client, facilitator, meeting, collaborative):
    elsewhere = item_on(meeting_days_ago(collaborative, 30), "Elsewhere")
    facilitator_client.post(url("decision_add", meeting), {"text": "Something.", "agenda_item": elsewhere.pk})
    assert not Decision.objects.exists()
    with pytest.raises(ValidationError, match=r"Choose an item from this meeting's agenda\."):
        decision_record(meeting=meeting, by=facilitator, text="Something.", agenda_item=elsewhere)


def test_a_withdrawn_decision_stays_on_record_struck_through_for_facilitators_and_hidden_from_members(
    client, people, meeting
):
    facilitator = people["facilitator"]
    kept = decision_record(meeting=meeting, by=facilitator, text="Meet again in May.")
    mistake = decision_record(meeting=meeting, by=facilitator, text="Close the Collaborative.")
    client.force_login(facilitator)

    response = client.post(url("decision_withdraw", meeting, decision_pk=mistake.pk))
    assert response.url == f"{url('notes', meeting)}#decisions"
    assert flash(response) == ["The decision is marked as withdrawn. It stays on record."]
    mistake.refresh_from_db()
    assert mistake.withdrawn_at is not None
    assert Decision.objects.count() == 2

    page = text(client.get(url("notes", meeting)))
    assert '<del>Close the Collaborative.</del> <span class="note">(withdrawn)</span>' in page
    assert "Withdraw the decision: Meet again in May." in words(page)
    assert "Withdraw the decision: Close the Collaborative." not in words(page)

    # Withdrawing again changes nothing.
    first = mistake.withdrawn_at
    client.post(url("decision_withdraw", meeting, decision_pk=mistake.pk))
    mistake.refresh_from_db()
    assert mistake.withdrawn_at == first

    notes_publish(meeting=meeting, by=facilitator)
    client.force_login(people["member"])
    page = text(client.get(meeting.get_absolute_url()))
    assert "Meet again in May." in page
    assert "Close the Collaborative." not in page
    assert kept.withdrawn_at is None


def test_a_decision_of_another_meeting_is_not_found(facilitator_client, facilitator, meeting, collaborative):
    other = meeting_today(collaborative)
    theirs = decision_record(meeting=other, by=facilitator, text="Theirs.")
    response = facilitator_client.post(url("decision_withdraw", meeting, decision_pk=theirs.pk))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None


# Who can do what


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("commissioner", 403), ("outsider", 404)])
def test_only_facilitators_write_publish_and_decide(client, people, meeting, items, role, status):
    decision = decision_record(meeting=meeting, by=people["facilitator"], text="Meet again in May.")
    client.force_login(people[role])
    assert client.get(url("notes", meeting)).status_code == status
    assert client.post(url("notes", meeting), {"general_notes": "Mine."}).status_code == status
    assert client.post(url("decision_add", meeting), {"text": "Mine."}).status_code == status
    assert client.post(url("decision_withdraw", meeting, decision_pk=decision.pk)).status_code == status
    assert client.post(url("notes_publish", meeting)).status_code == status
    assert client.post(url("minutes_approve", meeting)).status_code == status
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.general_notes, meeting.notes_published_at) == ("", None)
    assert Decision.objects.get().withdrawn_at is None
    assert Decision.objects.count() == 1
    assert not NotesRevision.objects.exists()


def test_anonymous_people_are_sent_to_sign_in(client, meeting):
    response = client.get(url("notes", meeting))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert client.post(url("notes_publish", meeting)).url.startswith(reverse("account_login"))


# Approving the minutes at the next meeting


@pytest.fixture
def last_month(collaborative) -> Meeting:
    """Last month's meeting, its notes published and waiting for approval."""
    return published(meeting_days_ago(collaborative, 28))


def test_the_next_meetings_facilitator_approves_the_minutes(client, people, meeting, last_month):
    facilitator = people["facilitator"]
    client.force_login(facilitator)
    page = text(client.get(meeting.get_absolute_url()))
    assert "Minutes of the last meeting" in page
    assert f"The meeting approves the minutes of {last_month.local_start.day} {last_month.local_start:%B}" in page

    response = client.post(url("minutes_approve", meeting))
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url()
    assert flash(response) == [
        f"The minutes of {last_month.local_start.day} {last_month.local_start:%B %Y} are approved."
    ]
    last_month.refresh_from_db()
    assert last_month.minutes_approved_at is not None
    assert (last_month.minutes_approved_at_meeting, last_month.minutes_approved_by) == (meeting, facilitator)
    assert "Minutes of the last meeting" not in text(client.get(meeting.get_absolute_url()))

    client.force_login(people["member"])
    page = text(client.get(last_month.get_absolute_url()))
    assert (
        f"These minutes were approved at the meeting on {meeting.local_start.day} {meeting.local_start:%B %Y}." in page
    )


def test_members_are_not_offered_the_approval(member_client, meeting, last_month):
    assert "Minutes of the last meeting" not in text(member_client.get(meeting.get_absolute_url()))


def test_minutes_are_approved_only_from_the_day_of_the_next_meeting(
    facilitator_client, facilitator, collaborative, last_month
):
    next_week = MeetingFactory(collaborative=collaborative)
    assert "Minutes of the last meeting" not in text(facilitator_client.get(next_week.get_absolute_url()))
    response = facilitator_client.post(url("minutes_approve", next_week))
    assert flash(response) == [NOT_TODAY]
    last_month.refresh_from_db()
    assert last_month.minutes_approved_at is None
    assert minutes_to_approve(next_week) == last_month  # Still waiting, for that day.


def test_only_the_latest_earlier_published_minutes_are_approved(facilitator, collaborative, meeting):
    two_months_ago = published(meeting_days_ago(collaborative, 56))
    last_month = published(meeting_days_ago(collaborative, 28))
    unpublished = meeting_days_ago(collaborative, 14)  # Its notes were never published.
    later = meeting_days_ago(collaborative, -7)  # Later than this meeting: not its business.
    Meeting.objects.filter(pk=later.pk).update(general_notes="Written ahead.", notes_published_at=timezone.now())
    assert unpublished.notes_published_at is None

    assert minutes_to_approve(meeting) == last_month
    approved = minutes_approve(meeting=meeting, by=facilitator)
    assert approved == last_month
    two_months_ago.refresh_from_db()
    assert two_months_ago.minutes_approved_at is None
    # The next one waiting is the one before.
    assert minutes_to_approve(meeting) == two_months_ago


def test_with_nothing_waiting_approval_says_so(facilitator_client, meeting, collaborative):
    meeting_days_ago(collaborative, 28)  # Notes never published.
    response = facilitator_client.post(url("minutes_approve", meeting))
    assert flash(response) == [NONE_WAITING]
    assert not Meeting.objects.filter(minutes_approved_at__isnull=False).exists()


def test_another_collaboratives_minutes_are_not_approved_here(facilitator, meeting, other_collaborative):
    published_elsewhere = meeting_days_ago(other_collaborative, 28)
    Meeting.objects.filter(pk=published_elsewhere.pk).update(notes_published_at=timezone.now())
    assert minutes_to_approve(meeting) is None
    with pytest.raises(ValidationError) as error:
        minutes_approve(meeting=meeting, by=facilitator)
    assert error.value.messages == [NONE_WAITING]


def test_cancelled_meetings_are_skipped(facilitator, collaborative, meeting):
    last_month = published(meeting_days_ago(collaborative, 28))
    cancelled = meeting_days_ago(collaborative, 14)
    Meeting.objects.filter(pk=cancelled.pk).update(
        status=Meeting.Status.CANCELLED, notes_published_at=timezone.now(), general_notes="Stray."
    )
    assert minutes_to_approve(meeting) == last_month
    assert minutes_approve(meeting=meeting, by=facilitator) == last_month

    # And a cancelled meeting approves nothing.
    another = published(meeting_days_ago(collaborative, 42))
    meeting_cancel(meeting=meeting, by=facilitator)
    with pytest.raises(ValidationError):
        minutes_approve(meeting=Meeting.objects.get(pk=meeting.pk), by=facilitator)
    another.refresh_from_db()
    assert another.minutes_approved_at is None


def test_a_cancelled_meeting_has_no_notes_or_decisions(facilitator, collaborative):
    cancelled = meeting_today(collaborative)
    meeting_cancel(meeting=cancelled, by=facilitator)
    cancelled = Meeting.objects.get(pk=cancelled.pk)
    for attempt in [
        lambda: notes_save(meeting=cancelled, by=facilitator, general_notes="Words.", item_notes={}),
        lambda: decision_record(meeting=cancelled, by=facilitator, text="Something."),
        lambda: notes_publish(meeting=cancelled, by=facilitator),
    ]:
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.messages == [CANCELLED]
    assert not Decision.objects.exists()
    assert Meeting.objects.get(pk=cancelled.pk).general_notes == ""


def test_approved_minutes_can_no_longer_be_changed(client, people, meeting, collaborative):
    facilitator = people["facilitator"]
    last_month = meeting_days_ago(collaborative, 28)
    item = item_on(last_month, "Crisis care")
    notes_save(meeting=last_month, by=facilitator, general_notes="As agreed.", item_notes={item.pk: "Waits."})
    decision = decision_record(meeting=last_month, by=facilitator, text="Write to the trust.")
    notes_publish(meeting=last_month, by=facilitator)
    minutes_approve(meeting=meeting, by=facilitator)
    revisions = NotesRevision.objects.count()
    published_at = Meeting.objects.get(pk=last_month.pk).notes_published_at
    client.force_login(facilitator)

    page = text(client.get(url("notes", last_month)))
    assert "These minutes were approved at the meeting on" in page
    assert "so they can no longer be changed." in page
    assert "Save the notes" not in page
    assert "Record the decision" not in page
    assert "Withdraw" not in page
    assert "Publish" not in page

    response = client.post(url("notes", last_month), {"general_notes": "Rewritten.", f"item_{item.pk}": "Gone."})
    assert response.status_code == 400
    assert "so they can no longer be changed." in text(response)
    response = client.post(url("decision_add", last_month), {"text": "A late decision."})
    assert flash(response)[-1] == APPROVED
    response = client.post(url("decision_withdraw", last_month, decision_pk=decision.pk))
    assert flash(response)[-1] == APPROVED
    response = client.post(url("notes_publish", last_month))
    assert flash(response)[-1] == APPROVED

    last_month = Meeting.objects.get(pk=last_month.pk)
    item.refresh_from_db()
    decision.refresh_from_db()
    assert (last_month.general_notes, item.notes) == ("As agreed.", "Waits.")
    assert (Decision.objects.filter(meeting=last_month).count(), decision.withdrawn_at) == (1, None)
    assert NotesRevision.objects.count() == revisions
    assert last_month.notes_published_at == published_at
    assert Message.objects.filter(kind=NOTES_PUBLISHED.key, about_id=last_month.pk, recipient=facilitator).count() == 1

    for attempt in [
        lambda: notes_save(meeting=last_month, by=facilitator, general_notes="Rewritten.", item_notes={}),
        lambda: decision_record(meeting=last_month, by=facilitator, text="Late."),
        lambda: decision_withdraw(decision=decision, by=facilitator),
        lambda: notes_publish(meeting=last_month, by=facilitator),
    ]:
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.messages == [APPROVED]


def test_minutes_are_approved_once(facilitator, collaborative, meeting):
    last_month = published(meeting_days_ago(collaborative, 28))
    minutes_approve(meeting=meeting, by=facilitator)
    first = Meeting.objects.get(pk=last_month.pk).minutes_approved_at
    with pytest.raises(ValidationError) as error:
        minutes_approve(meeting=meeting, by=facilitator)
    assert error.value.messages == [NONE_WAITING]
    assert Meeting.objects.get(pk=last_month.pk).minutes_approved_at == first


# Nothing typed is lost (issue 12, item 14): the notes page is one form, and every button on it
# sends everything typed there, so a plain form without JavaScript keeps it all.


def page_data(items, general: str = "", decision: str = "", **item_texts: str) -> dict:
    """Everything the notes page sends, whichever button is pressed: every box, as typed."""
    return {
        "general_notes": general,
        **{f"item_{item.pk}": item_texts.get(f"item_{item.pk}", item.notes) for item in items},
        "text": decision,
        "agenda_item": "",
    }


def test_the_notes_page_is_one_form_whose_buttons_each_send_everything(facilitator_client, facilitator, meeting):
    decision = decision_record(meeting=meeting, by=facilitator, text="Write to the trust.")
    page = facilitator_client.get(url("notes", meeting)).content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert main.count("<form") == 1
    assert 'id="notes-form"' in main
    assert "data-warn-unsaved" in main  # Leaving with unsaved words asks first (static/js/site.js).
    for address in (
        url("decision_add", meeting),
        url("decision_withdraw", meeting, decision_pk=decision.pk),
        url("notes_publish", meeting),
    ):
        assert f'formaction="{address}"' in main


def test_recording_a_decision_saves_the_notes_typed_above_it(facilitator_client, facilitator, meeting, items):
    crisis = items[1]
    data = page_data(
        items, general="Tea was good.", decision="Write to the trust.", **{f"item_{crisis.pk}": "Waits are long."}
    )

    response = facilitator_client.post(url("decision_add", meeting), data)

    assert response.status_code == 302
    assert response.url == f"{url('notes', meeting)}#decisions"
    assert flash(response) == ["The decision is recorded. Your notes are saved too."]
    assert Decision.objects.get().text == "Write to the trust."
    crisis.refresh_from_db()
    assert (Meeting.objects.get(pk=meeting.pk).general_notes, crisis.notes) == ("Tea was good.", "Waits are long.")
    assert sorted(NotesRevision.objects.values_list("text", flat=True)) == ["Tea was good.", "Waits are long."]
    page = text(facilitator_client.get(url("notes", meeting)))
    assert ">\nWaits are long.</textarea>" in page
    assert ">\nTea was good.</textarea>" in page


def test_recording_a_decision_with_the_notes_unchanged_keeps_no_new_version(
    facilitator_client, facilitator, meeting, items
):
    notes_save(meeting=meeting, by=facilitator, general_notes="Tea.", item_notes={})
    response = facilitator_client.post(
        url("decision_add", meeting), page_data(items, general="Tea.", decision="Meet in May.")
    )
    assert flash(response) == ["The decision is recorded."]
    assert NotesRevision.objects.count() == 1


def test_a_decision_refused_keeps_everything_typed_and_changes_nothing(facilitator_client, meeting, items):
    response = facilitator_client.post(
        url("decision_add", meeting), page_data(items, general="Half-way through the notes.", decision="   ")
    )

    assert response.status_code == 400
    page = text(response)
    assert ">\nHalf-way through the notes.</textarea>" in page
    assert "What was decided: Write what was decided." in page
    assert (Meeting.objects.get(pk=meeting.pk).general_notes, Decision.objects.count()) == ("", 0)
    assert not NotesRevision.objects.exists()


def test_notes_too_long_stop_the_decision_too(facilitator_client, meeting, items):
    response = facilitator_client.post(
        url("decision_add", meeting), page_data(items, general="x" * 20_001, decision="Write to the trust.")
    )
    assert response.status_code == 400
    assert ">\nWrite to the trust.</textarea>" in text(response)
    assert not Decision.objects.exists()


def test_withdrawing_a_decision_saves_the_notes_typed(facilitator_client, facilitator, meeting, items):
    mistake = decision_record(meeting=meeting, by=facilitator, text="Recorded by mistake.")
    response = facilitator_client.post(
        url("decision_withdraw", meeting, decision_pk=mistake.pk), page_data(items, general="We talked about waits.")
    )
    assert response.status_code == 302
    assert flash(response) == ["The decision is marked as withdrawn. It stays on record. Your notes are saved too."]
    mistake.refresh_from_db()
    assert mistake.withdrawn_at is not None
    assert Meeting.objects.get(pk=meeting.pk).general_notes == "We talked about waits."


def test_saving_the_notes_keeps_a_decision_typed_but_not_recorded(facilitator_client, meeting, items):
    response = facilitator_client.post(
        url("notes", meeting), page_data(items, general="Tea was good.", decision="Meet again in May.")
    )

    assert response.status_code == 200
    page = text(response)
    assert ">\nMeet again in May.</textarea>" in page
    assert "The decision you typed is not recorded yet: press “Record the decision” to record it." in page
    assert Meeting.objects.get(pk=meeting.pk).general_notes == "Tea was good."
    assert not Decision.objects.exists()


def test_publishing_saves_the_notes_typed_first(facilitator_client, meeting, items, mailoutbox):
    response = facilitator_client.post(url("notes_publish", meeting), page_data(items, general="We met and agreed."))
    assert response.status_code == 302
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.general_notes, meeting.notes_published_at is not None) == ("We met and agreed.", True)


def test_publishing_past_a_decision_typed_but_not_recorded_changes_nothing(facilitator_client, meeting, items):
    response = facilitator_client.post(
        url("notes_publish", meeting), page_data(items, general="We met.", decision="Write to the trust.")
    )
    assert response.status_code == 400
    page = text(response)
    assert "Record the decision you typed, or empty its box, before publishing." in page
    assert ">\nWrite to the trust.</textarea>" in page
    assert ">\nWe met.</textarea>" in page
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.general_notes, meeting.notes_published_at) == ("", None)


def test_an_item_put_on_the_agenda_since_the_page_opened_keeps_its_notes(facilitator_client, facilitator, meeting):
    late = item_on(meeting, "Added late", 3)
    notes_save(meeting=meeting, by=facilitator, general_notes="", item_notes={late.pk: "Written elsewhere."})
    facilitator_client.post(url("decision_add", meeting), {"general_notes": "Other.", "text": "Agreed."})
    late.refresh_from_db()
    assert late.notes == "Written elsewhere."


def test_actions_are_recorded_from_decisions_once_the_notes_are_published(facilitator_client, facilitator, meeting):
    decision = decision_record(meeting=meeting, by=facilitator, text="Write to the trust.")
    link = f"?decision={decision.pk}"
    page = text(facilitator_client.get(url("notes", meeting)))
    assert link not in page
    assert "Once the notes are published, you can record an action from each decision" in page
    notes_publish(meeting=meeting, by=facilitator)
    assert link in text(facilitator_client.get(url("notes", meeting)))
