"""Correcting the agenda (issue 15, item 10): facilitators change an item on the agenda or take it off (kept, with
its history, and it can be put back), choose where an item goes, see the agenda's minutes against the meeting's
length, and are offered to tell members again only when something changed, after a page that asks first."""

import html
import re
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings.emails import AGENDA_ITEM_DECIDED, AGENDA_PUBLISHED
from meetings.models import AgendaItem, AgendaItemChange, Decision, Meeting, Venue
from meetings.services import (
    FIRST,
    agenda_changes_since_published,
    agenda_item_change,
    agenda_item_propose,
    agenda_item_remove,
    agenda_publish,
    meeting_schedule,
)
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message, Preference

pytestmark = pytest.mark.django_db

REPUBLISH = "Publish the changes and tell members again"


@pytest.fixture
def meeting(collaborative, facilitator):
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe on the Green", address="1 High Street")
    return meeting_schedule(
        collaborative=collaborative,
        by=facilitator,
        day=timezone.localdate() + timedelta(days=10),
        start=time(10),
        end=time(12),
        venue=venue,
    )


@pytest.fixture
def agenda(meeting, facilitator) -> list[AgendaItem]:
    return [
        agenda_item_propose(meeting=meeting, by=facilitator, title=title, minutes=minutes, accept=True)
        for title, minutes in [("Welcome", 10), ("Crisis care", 45), ("Any other business", None)]
    ]


def item_url(name: str, item: AgendaItem) -> str:
    return reverse(name, kwargs={"slug": "lambeth", "meeting_pk": item.meeting_id, "pk": item.pk})


def publish_url(meeting) -> str:
    return reverse("meetings:agenda_publish", kwargs={"slug": "lambeth", "pk": meeting.pk})


def text(response) -> str:
    return html.unescape(response.content.decode())


def words(response) -> str:
    """The page's words, without its tags, as one line."""
    return " ".join(re.sub(r"<[^>]+>", "", text(response)).split())


def titles(meeting) -> list[str]:
    return [item.title for item in meeting.agenda_items.on_agenda()]


# Changing an item


def test_a_facilitator_changes_an_item_and_its_words_before_are_kept(facilitator_client, facilitator, meeting, agenda):
    crisis = agenda[1]
    page = text(facilitator_client.get(item_url("meetings:agenda_item_edit", crisis)))
    assert "Change the agenda item" in page
    assert 'value="Crisis care"' in page

    response = facilitator_client.post(
        item_url("meetings:agenda_item_edit", crisis),
        {"title": "Crisis care at night", "minutes": "30", "presenter": "Kit", "after": str(agenda[0].pk)},
    )

    assert response.status_code == 302
    crisis.refresh_from_db()
    assert (crisis.title, crisis.minutes, crisis.presenter, crisis.status) == (
        "Crisis care at night",
        30,
        "Kit",
        AgendaItem.Status.ACCEPTED,
    )
    change = crisis.changes.get(what=AgendaItemChange.What.CHANGED)
    assert (change.title, change.minutes, change.changed_by) == ("Crisis care", 45, facilitator)
    page = text(facilitator_client.get(item_url("meetings:agenda_item_edit", crisis)))
    assert "before, it said: “Crisis care”, 45 minutes" in page


def test_saving_an_item_unchanged_changes_nothing(facilitator, meeting, agenda):
    version = Meeting.objects.get(pk=meeting.pk).agenda_version
    crisis = agenda[1]
    assert not agenda_item_change(item=crisis, by=facilitator, title="Crisis care", minutes=45, after=agenda[0].pk)
    assert Meeting.objects.get(pk=meeting.pk).agenda_version == version
    assert not crisis.changes.exclude(what=AgendaItemChange.What.ADDED).exists()


def test_only_items_on_the_agenda_can_be_changed(facilitator_client, member, meeting):
    proposed = agenda_item_propose(meeting=meeting, by=member, title="Parking")
    page = text(facilitator_client.get(item_url("meetings:agenda_item_edit", proposed)))
    assert "Only items on the agenda can be changed. This one is: waiting for the facilitators." in page
    assert "<textarea" not in page[page.index("<main") :]
    address = item_url("meetings:agenda_item_edit", proposed)
    response = facilitator_client.post(address, {"title": "Changed"}, follow=True)
    assert "Only items on the agenda can be changed." in text(response)
    proposed.refresh_from_db()
    assert proposed.title == "Parking"


def test_an_item_of_a_meeting_that_has_happened_cannot_be_changed(facilitator, meeting, agenda):
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=2)
    )
    with pytest.raises(ValidationError, match="This meeting has already happened"):
        agenda_item_change(item=agenda[0], by=facilitator, title="Hello")
    with pytest.raises(ValidationError, match="This meeting has already happened"):
        agenda_item_remove(item=agenda[0], by=facilitator)


# Placing an item


def test_a_facilitator_places_a_new_item_where_they_choose(facilitator_client, meeting, agenda):
    address = reverse("meetings:agenda_propose", kwargs={"slug": "lambeth", "pk": meeting.pk})
    page = text(facilitator_client.get(address))
    assert "Where on the agenda" in page
    assert "First, before the others" in page
    assert "After 1. Welcome" in page
    # A new item goes at the end unless placed elsewhere.
    assert f'<option value="{agenda[2].pk}" selected>After 3. Any other business</option>' in page

    facilitator_client.post(address, {"title": "Minutes of the last meeting", "after": str(agenda[0].pk)})
    facilitator_client.post(address, {"title": "Apologies", "after": str(FIRST)})

    assert titles(meeting) == [
        "Apologies",
        "Welcome",
        "Minutes of the last meeting",
        "Crisis care",
        "Any other business",
    ]


def test_moving_an_item_on_its_page_without_javascript(facilitator_client, meeting, agenda):
    _, crisis, other = agenda
    page = text(facilitator_client.get(item_url("meetings:agenda_item_edit", other)))
    # Where it is now is chosen already: after the item before it.
    assert f'<option value="{crisis.pk}" selected>After 2. Crisis care</option>' in page
    facilitator_client.post(
        item_url("meetings:agenda_item_edit", other), {"title": "Any other business", "after": str(FIRST)}
    )
    assert titles(meeting) == ["Any other business", "Welcome", "Crisis care"]
    assert other.changes.filter(what=AgendaItemChange.What.MOVED).exists()


def test_a_change_sent_without_a_place_leaves_the_item_where_it_is(facilitator_client, meeting, agenda):
    welcome = agenda[0]
    facilitator_client.post(item_url("meetings:agenda_item_edit", welcome), {"title": "Welcome and tea"})
    assert titles(meeting) == ["Welcome and tea", "Crisis care", "Any other business"]
    assert not welcome.changes.filter(what=AgendaItemChange.What.MOVED).exists()


def test_placing_after_an_item_no_longer_on_the_agenda_is_explained(facilitator_client, facilitator, meeting, agenda):
    _, crisis, other = agenda
    page_form = {"title": "Any other business", "after": str(crisis.pk)}
    agenda_item_remove(item=crisis, by=facilitator)
    response = facilitator_client.post(item_url("meetings:agenda_item_edit", other), page_form)
    assert response.status_code == 400
    assert "The agenda has changed since this page was opened: choose again where it goes." in text(response)
    assert titles(meeting) == ["Welcome", "Any other business"]


# Taking an item off


def test_taking_an_item_off_keeps_it_and_it_can_be_put_back(client, people, meeting, agenda):
    member, facilitator = people["member"], people["facilitator"]
    proposed = agenda_item_propose(meeting=meeting, by=member, title="Bus fares to the cafe")
    client.force_login(facilitator)
    client.post(item_url("meetings:agenda_item_accept", proposed))
    page = text(client.get(item_url("meetings:agenda_item_remove", proposed)))
    assert "Take “Bus fares to the cafe” off the agenda?" in page
    assert f"{member.display_name} proposed it, and sees that it was taken off." in page

    response = client.post(
        item_url("meetings:agenda_item_remove", proposed), {"reason": "The council answered: fares are frozen."}
    )

    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decline_reason) == (
        AgendaItem.Status.REMOVED,
        "The council answered: fares are frozen.",
    )
    assert "Bus fares to the cafe" not in titles(meeting)
    assert proposed.changes.filter(what=AgendaItemChange.What.REMOVED, changed_by=facilitator).exists()
    page = words(client.get(meeting.get_absolute_url()))
    assert "Taken off the agenda" in page
    assert "Put it back: Bus fares to the cafe" in page

    # The proposer sees what became of it, and why; no one is emailed "not this time".
    client.force_login(member)
    page = words(client.get(meeting.get_absolute_url()))
    assert "Bus fares to the cafe: Taken off the agenda. The facilitators said: The council answered" in page

    client.force_login(facilitator)
    client.post(item_url("meetings:agenda_item_accept", proposed))
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decline_reason) == (AgendaItem.Status.ACCEPTED, "")
    assert titles(meeting)[-1] == "Bus fares to the cafe"
    # Told once that it was on the agenda, not again when it is put back.
    assert Message.objects.filter(kind=AGENDA_ITEM_DECIDED.key, recipient=member).count() == 1


def test_an_item_with_notes_or_a_decision_stays_on_the_agenda(facilitator, meeting, agenda):
    Decision.objects.create(meeting=meeting, agenda_item=agenda[1], text="Write to the trust.")
    with pytest.raises(ValidationError, match="notes or a decision"):
        agenda_item_remove(item=agenda[1], by=facilitator)
    assert AgendaItem.objects.get(pk=agenda[1].pk).status == AgendaItem.Status.ACCEPTED


def test_only_items_on_the_agenda_can_be_taken_off(facilitator_client, member, meeting):
    proposed = agenda_item_propose(meeting=meeting, by=member, title="Parking")
    assert "This item is not on the agenda: waiting for the facilitators." in text(
        facilitator_client.get(item_url("meetings:agenda_item_remove", proposed))
    )
    response = facilitator_client.post(item_url("meetings:agenda_item_remove", proposed), {}, follow=True)
    assert "Only items on the agenda can be changed or taken off." in text(response)
    assert AgendaItem.objects.get(pk=proposed.pk).status == AgendaItem.Status.PROPOSED


# The agenda's minutes against the meeting's length


def test_the_agenda_shows_its_minutes_against_the_meetings_length(client, people, meeting, agenda):
    client.force_login(people["facilitator"])
    page = " ".join(text(client.get(meeting.get_absolute_url())).split())
    assert "Agenda: 55 of 120 minutes." in page
    assert "1 item has no time given." in page
    assert "more than the meeting has" not in page
    # Members are not shown the facilitators' sums.
    client.force_login(people["member"])
    assert "Agenda: 55 of 120 minutes." not in text(client.get(meeting.get_absolute_url()))


def test_an_agenda_longer_than_the_meeting_is_warned_of_plainly(facilitator_client, facilitator, meeting, agenda):
    agenda_item_change(item=agenda[2], by=facilitator, title="Any other business", minutes=80)
    page = words(facilitator_client.get(meeting.get_absolute_url()))
    assert "Agenda: 135 of 120 minutes. That is 15 minutes more than the meeting has" in page
    # The same where items are added and changed.
    add = reverse("meetings:agenda_propose", kwargs={"slug": "lambeth", "pk": meeting.pk})
    assert "Agenda: 135 of 120 minutes." in text(facilitator_client.get(add))
    edit = item_url("meetings:agenda_item_edit", agenda[0])
    assert "Agenda: 135 of 120 minutes." in text(facilitator_client.get(edit))


# Publishing the changes


def test_publishing_again_is_offered_only_once_something_changed(facilitator_client, facilitator, meeting, agenda):
    facilitator_client.post(publish_url(meeting))
    page = text(facilitator_client.get(meeting.get_absolute_url()))
    assert REPUBLISH not in page
    assert "If you change it, you can tell members again." in page

    agenda_item_change(item=agenda[1], by=facilitator, title="Crisis care", minutes=30)

    page = text(facilitator_client.get(meeting.get_absolute_url()))
    assert REPUBLISH in page
    assert f'href="{publish_url(meeting)}">{REPUBLISH}</a>' in page  # A link to the page that asks first.


def test_publishing_the_changes_asks_first_saying_what_changed_and_who_is_emailed(
    facilitator_client, people, meeting, agenda, mailoutbox
):
    facilitator = people["facilitator"]
    agenda_publish(meeting=meeting, by=facilitator)
    agenda_item_change(item=agenda[1], by=facilitator, title="Crisis care at night")
    agenda_item_remove(item=agenda[2], by=facilitator)
    agenda_item_propose(meeting=meeting, by=facilitator, title="Apologies", accept=True, after=FIRST)
    Preference.objects.create(user=people["commissioner"], kind=AGENDA_PUBLISHED.key, enabled=False)
    before = Message.objects.filter(kind=AGENDA_PUBLISHED.key).count()

    page = " ".join(text(facilitator_client.get(publish_url(meeting))).split())

    assert "Publish the changes to the agenda?" in page
    assert "“Crisis care at night”: changed" in page
    assert "“Any other business”: taken off the agenda" in page
    assert "“Apologies”: new on the agenda" in page
    assert (
        "Everyone who is a member of Lambeth Living Well Collaborative now (3 members) is emailed the agenda again, "
        "marked as changed, "
        "except 1 who turned off emails about agendas: 2 emails in all." in page
    )
    assert Message.objects.filter(kind=AGENDA_PUBLISHED.key).count() == before  # Asking sends nothing.

    response = facilitator_client.post(publish_url(meeting), {"again": "1"}, follow=True)

    assert "The changed agenda is published. Members are being told by email." in text(response)
    assert REPUBLISH not in text(response)
    changed = Message.objects.filter(kind=AGENDA_PUBLISHED.key, occasion__startswith="agenda-changed-")
    assert changed.count() == 3  # Queued for everyone; the one who turned them off is skipped when sending.
    claim, ids = messages_claim()
    messages_send(claim=claim, ids=ids)
    emails = [email for email in mailoutbox if email.subject.startswith("The agenda has changed for")]
    assert {email.to[0] for email in emails} == {people["member"].email, people["facilitator"].email}
    body = emails[0].body
    assert "The agenda has changed since it was sent to you: this is the new one" in body
    assert body.index("1. Apologies") < body.index("2. Welcome") < body.index("3. Crisis care at night")
    assert "Any other business" not in body


def test_the_first_agenda_email_does_not_say_changed(people, meeting, agenda, mailoutbox):
    agenda_publish(meeting=meeting, by=people["facilitator"])
    claim, ids = messages_claim()
    messages_send(claim=claim, ids=ids)
    agendas = [email for email in mailoutbox if "agenda" in email.subject.lower()]
    assert agendas
    assert all(email.subject.startswith("The agenda for") for email in agendas)
    assert all("has changed" not in email.body for email in agendas)


def test_nothing_is_sent_again_when_nothing_changed(facilitator_client, facilitator, meeting, agenda):
    agenda_publish(meeting=meeting, by=facilitator)
    sent = Message.objects.filter(kind=AGENDA_PUBLISHED.key).count()

    page = text(facilitator_client.get(publish_url(meeting)))
    assert "Nothing on the agenda has changed since it was published" in page
    assert "<button" not in page[page.index("<main") : page.index("</main>")]
    response = facilitator_client.post(publish_url(meeting), {"again": "1"}, follow=True)
    assert "Nothing on the agenda has changed since it was published, so no one was emailed." in text(response)
    # The meeting page's first "Publish" button, pressed again from a page opened before publishing.
    response = facilitator_client.post(publish_url(meeting), follow=True)
    assert "The agenda is already published." in text(response)
    assert Message.objects.filter(kind=AGENDA_PUBLISHED.key).count() == sent


def test_the_first_publish_button_pressed_after_changes_asks_first(facilitator_client, facilitator, meeting, agenda):
    agenda_publish(meeting=meeting, by=facilitator)
    agenda_item_change(item=agenda[0], by=facilitator, title="Welcome and introductions")
    sent = Message.objects.filter(kind=AGENDA_PUBLISHED.key).count()
    response = facilitator_client.post(publish_url(meeting))
    assert response.status_code == 302
    assert response["Location"] == publish_url(meeting)
    assert Message.objects.filter(kind=AGENDA_PUBLISHED.key).count() == sent


def test_the_changes_listed_are_those_since_the_last_publishing(facilitator, meeting, agenda):
    agenda_item_change(item=agenda[0], by=facilitator, title="Hello")
    agenda_publish(meeting=meeting, by=facilitator)
    assert agenda_changes_since_published(meeting) == []
    agenda_item_change(item=agenda[1], by=facilitator, title="Crisis care", minutes=45, after=FIRST)
    meeting.refresh_from_db()
    assert [(c["item"].title, c["what"]) for c in agenda_changes_since_published(meeting)] == [("Crisis care", "moved")]
