"""The agenda: members propose, facilitators accept, decline with a reason, reorder and publish."""

import html
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.emails import AGENDA_ITEM_DECIDED, AGENDA_PUBLISHED, agenda_item_decided_skip_reason
from meetings.models import AgendaItem, Venue
from meetings.services import (
    agenda_item_accept,
    agenda_item_decline,
    agenda_item_propose,
    agenda_publish,
    meeting_cancel,
    meeting_schedule,
)
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message
from tests.caching import nothing_cached

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(collaborative, facilitator):
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe on the Green", address="1 High Street")
    return meeting_schedule(
        collaborative=collaborative,
        by=facilitator,
        day=timezone.localdate() + timedelta(days=10),
        start=time(10),
        end=time(12, 30),
        venue=venue,
    )


def url(name: str, meeting, **kwargs) -> str:
    if "item" in kwargs:
        item = kwargs.pop("item")
        return reverse(name, kwargs={"slug": "lambeth", "meeting_pk": meeting.pk, "pk": item.pk})
    return reverse(name, kwargs={"slug": "lambeth", "pk": meeting.pk})


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_member_proposes_an_item_and_it_waits_for_the_facilitators(member_client, member, meeting):
    response = member_client.post(
        url("meetings:agenda_propose", meeting),
        {"title": "Waiting times for talking therapies", "description": "Six months is too long.", "minutes": "20"},
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get()
    assert (item.status, item.proposed_by, item.minutes) == (AgendaItem.Status.PROPOSED, member, 20)
    page = text(member_client.get(meeting.get_absolute_url()))
    assert "Items you proposed" in page
    assert "Waiting for the facilitators" in page


def test_a_facilitators_item_goes_straight_on_the_agenda(facilitator_client, meeting):
    facilitator_client.post(url("meetings:agenda_propose", meeting), {"title": "Welcome and introductions"})
    assert AgendaItem.objects.get().status == AgendaItem.Status.ACCEPTED


def test_a_proposal_without_a_title_is_explained_and_nothing_is_saved(member_client, meeting):
    response = member_client.post(url("meetings:agenda_propose", meeting), {"title": "", "minutes": "0"})
    assert response.status_code == 400
    assert "What it is about: This field is required." in text(response)
    assert not AgendaItem.objects.exists()


def test_declining_needs_a_reason_and_the_proposer_sees_it(client, people, meeting):
    item = agenda_item_propose(meeting=meeting, by=people["member"], title="Parking at the cafe")
    client.force_login(people["facilitator"])
    client.post(url("meetings:agenda_item_decline", meeting, item=item), {"reason": ""})
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.PROPOSED
    client.post(
        url("meetings:agenda_item_decline", meeting, item=item), {"reason": "The cafe manager will write to us."}
    )
    item.refresh_from_db()
    assert (item.status, item.decided_by) == (AgendaItem.Status.DECLINED, people["facilitator"])

    client.force_login(people["member"])
    page = text(client.get(meeting.get_absolute_url()))
    assert "The facilitators said: The cafe manager will write to us." in page
    # Others do not see someone else's declined item.
    client.force_login(people["commissioner"])
    assert "Parking at the cafe" not in text(client.get(meeting.get_absolute_url()))


def test_the_proposer_is_emailed_when_their_item_is_accepted_or_declined_with_the_reason(people, meeting, mailoutbox):
    # Issue 15, item 2: the news reaches the proposer, not only the meeting page.
    member, facilitator = people["member"], people["facilitator"]
    taken = agenda_item_propose(meeting=meeting, by=member, title="Peer support groups")
    refused = agenda_item_propose(meeting=meeting, by=member, title="Parking at the cafe")
    own = agenda_item_propose(meeting=meeting, by=facilitator, title="Welcome")
    agenda_item_accept(item=taken, by=facilitator)
    agenda_item_decline(item=refused, by=facilitator, reason="The cafe manager will write to us.")
    agenda_item_accept(item=own, by=facilitator)  # Deciding on one's own item tells no one.
    assert sorted(Message.objects.filter(kind=AGENDA_ITEM_DECIDED.key).values_list("recipient", "occasion")) == [
        (member.pk, "decided-accepted"),
        (member.pk, "decided-declined"),
    ]

    claim, ids = messages_claim()
    messages_send(claim=claim, ids=ids)
    day = f"{meeting.local_start:%A} {meeting.local_start.day} {meeting.local_start:%B}"
    sent = {email.subject.rsplit(" (", 1)[0]: email for email in mailoutbox if email.to == [member.email]}
    accepted, declined = sent[f"Your item is on the agenda for {day}"], sent[f"Your item for {day}: not this time"]
    assert "Peer support groups" in accepted.body
    assert "put the item you proposed on the agenda" in accepted.body
    assert "Parking at the cafe" in declined.body
    assert 'They said why: "The cafe manager will write to us."' in declined.body
    assert meeting.get_absolute_url() in declined.body


def test_news_of_an_item_decided_otherwise_since_is_not_sent(people, meeting):
    item = agenda_item_propose(meeting=meeting, by=people["member"], title="Peer support groups")
    agenda_item_accept(item=item, by=people["facilitator"])
    message = Message.objects.get(kind=AGENDA_ITEM_DECIDED.key)
    AgendaItem.objects.filter(pk=item.pk).update(status=AgendaItem.Status.WITHDRAWN)
    assert agenda_item_decided_skip_reason(message) == "The facilitators have decided otherwise since."


def test_accepting_places_the_item_last_and_reordering_swaps_neighbours(facilitator_client, people, meeting):
    first = agenda_item_propose(meeting=meeting, by=people["facilitator"], title="Welcome", accept=True)
    second = agenda_item_propose(meeting=meeting, by=people["member"], title="Crisis care")
    facilitator_client.post(url("meetings:agenda_item_accept", meeting, item=second))
    assert list(meeting.agenda_items.on_agenda()) == [first, second]
    facilitator_client.post(url("meetings:agenda_item_up", meeting, item=second))
    assert list(meeting.agenda_items.on_agenda()) == [second, first]
    facilitator_client.post(url("meetings:agenda_item_up", meeting, item=second))  # Already first: nothing moves.
    assert list(meeting.agenda_items.on_agenda()) == [second, first]


def test_deciding_twice_says_so(facilitator_client, people, meeting):
    item = agenda_item_propose(meeting=meeting, by=people["member"], title="Crisis care")
    facilitator_client.post(url("meetings:agenda_item_accept", meeting, item=item))
    response = facilitator_client.post(
        url("meetings:agenda_item_decline", meeting, item=item), {"reason": "No"}, follow=True
    )
    assert "This item has already been decided: on the agenda." in text(response)
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.ACCEPTED


def test_only_the_proposer_withdraws(client, people, meeting):
    item = agenda_item_propose(meeting=meeting, by=people["member"], title="Crisis care")
    client.force_login(people["commissioner"])
    client.post(url("meetings:agenda_item_withdraw", meeting, item=item))
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.PROPOSED
    client.force_login(people["member"])
    client.post(url("meetings:agenda_item_withdraw", meeting, item=item))
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.WITHDRAWN


def test_members_see_the_agenda_only_once_published_and_are_told(client, people, meeting, mailoutbox):
    agenda_item_propose(meeting=meeting, by=people["facilitator"], title="Welcome and introductions", accept=True)
    client.force_login(people["member"])
    assert "Welcome and introductions" not in text(client.get(meeting.get_absolute_url()))
    assert "The agenda has not been published yet." in text(client.get(url("meetings:agenda", meeting)))

    client.force_login(people["facilitator"])
    client.post(url("meetings:agenda_publish", meeting))
    client.force_login(people["member"])
    assert "Welcome and introductions" in text(client.get(meeting.get_absolute_url()))
    assert "Welcome and introductions" in text(client.get(url("meetings:agenda", meeting)))

    claim, ids = messages_claim()
    messages_send(claim=claim, ids=ids)
    agendas = [
        email for email in mailoutbox if email.subject.startswith(f"The agenda for {meeting.local_start:%A %-d %B}")
    ]
    assert {email.to[0] for email in agendas} == {
        people[role].email for role in ("member", "facilitator", "commissioner")
    }
    assert "1. Welcome and introductions" in agendas[0].body


def test_an_empty_agenda_cannot_be_published(facilitator_client, meeting):
    response = facilitator_client.post(url("meetings:agenda_publish", meeting), follow=True)
    assert "Accept or add at least one item before publishing the agenda." in text(response)
    assert not Message.objects.filter(kind=AGENDA_PUBLISHED.key).exists()


def test_publishing_again_after_a_change_tells_members_again(people, meeting):
    agenda_item_propose(meeting=meeting, by=people["facilitator"], title="Welcome", accept=True)
    agenda_publish(meeting=meeting, by=people["facilitator"])
    agenda_item_propose(meeting=meeting, by=people["facilitator"], title="Crisis care", accept=True)
    agenda_publish(meeting=meeting, by=people["facilitator"], again=True)
    assert Message.objects.filter(kind=AGENDA_PUBLISHED.key, recipient=people["member"]).count() == 2


def test_no_proposals_for_a_cancelled_meeting(member_client, people, meeting):
    meeting_cancel(meeting=meeting, by=people["facilitator"])
    response = member_client.post(url("meetings:agenda_propose", meeting), {"title": "Crisis care"})
    assert "This meeting is cancelled." in text(response)
    assert not AgendaItem.objects.exists()


def test_the_print_page_is_large_print(client, people, meeting):
    agenda_item_propose(meeting=meeting, by=people["facilitator"], title="Welcome", accept=True)
    agenda_publish(meeting=meeting, by=people["facilitator"])
    Venue.objects.filter(pk=meeting.venue_id).update(step_free=True, access_notes="The 36 bus stops outside.")
    meeting.refresh_from_db()
    client.force_login(people["member"])
    page = text(client.get(url("meetings:agenda", meeting)))
    assert 'class="large-print"' in page
    assert "<strong>Access:</strong> Step-free access. The 36 bus stops outside." in page
    assert "Welcome" in page
    # When, where (with the address) and access come first, before the agenda (issue 15, item 11).
    venue = meeting.venue
    when = page.index('<p class="agenda-when">')
    where = page.index(f'<p class="agenda-where"><strong>{venue.name}</strong><br>')
    assert when < where < page.index("<h2>Agenda</h2>")
    assert venue.address.splitlines()[0] in page[where : page.index("<h2>Agenda</h2>")]
    assert f"{meeting.local_start:%A} {meeting.local_start.day} {meeting.local_start:%B %Y}" in page[when:where]


def test_the_meeting_page_takes_the_same_queries_for_2_or_20_agenda_items(client, people, meeting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["facilitator"])
    client.get(meeting.get_absolute_url())  # Warm up the session and the data's version.

    def queries() -> int:
        # Counted as the page is made, not as it comes from the cache.
        with nothing_cached(), CaptureQueriesContext(connection) as captured:
            assert client.get(meeting.get_absolute_url()).status_code == 200
        return len(captured)

    for number in range(2):
        agenda_item_propose(meeting=meeting, by=people["member"], title=f"Item {number}")
    few = queries()
    for number in range(18):
        agenda_item_propose(meeting=meeting, by=people["facilitator"], title=f"More {number}", accept=True)
    assert queries() == few


# Nothing typed is lost (issue 12, item 14): the meeting page has many buttons (coming or not, move
# up, put on the agenda, publish), so "Not this time" asks for its reason on a page of its own.


def test_not_this_time_asks_for_the_reason_on_a_page_of_its_own(facilitator_client, people, meeting):
    item = agenda_item_propose(meeting=meeting, by=people["member"], title="Parking at the cafe")
    decline = url("meetings:agenda_item_decline", meeting, item=item)

    page = text(facilitator_client.get(meeting.get_absolute_url()))
    main = page[page.index("<main") : page.index("</main>")]
    assert "<textarea" not in main
    assert f'href="{decline}">Not this time' in main

    response = facilitator_client.get(decline)
    assert response.status_code == 200
    assert "Not this time: “Parking at the cafe”" in text(response)
    assert "data-warn-unsaved" in text(response)


def test_a_reason_too_long_comes_back_in_its_box_and_nothing_changes(facilitator_client, people, meeting):
    item = agenda_item_propose(meeting=meeting, by=people["member"], title="Parking at the cafe")
    reason = "The cafe manager will write to us. " * 30

    response = facilitator_client.post(url("meetings:agenda_item_decline", meeting, item=item), {"reason": reason})

    assert response.status_code == 400
    page = text(response)
    assert f">\n{reason}</textarea>" in page
    assert "Keep it to 1,000 characters or fewer" in page
    assert 'data-warn-unsaved="pending"' in page
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.PROPOSED


def test_the_reason_page_of_an_item_already_decided_says_so(facilitator_client, people, meeting):
    item = agenda_item_propose(meeting=meeting, by=people["member"], title="Parking at the cafe")
    facilitator_client.post(url("meetings:agenda_item_accept", meeting, item=item))
    page = text(facilitator_client.get(url("meetings:agenda_item_decline", meeting, item=item)))
    assert "This item has already been decided: on the agenda." in page
    assert "<textarea" not in page
