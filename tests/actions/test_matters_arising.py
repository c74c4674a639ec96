"""A meeting's "matters arising" and its actions stay the same size however many there are: counts by
kind, the most pressing few, and a link to the action log filtered to exactly the rest, on the
meeting's page, its printed agenda and the facilitators' digest."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions import selectors
from actions.models import Action
from actions.selectors import MEETING_ACTIONS_SHOWN, arising_filter, meeting_actions
from meetings.models import Meeting
from tests.caching import nothing_cached
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SHOWN = MEETING_ACTIONS_SHOWN


@pytest.fixture
def meetings(collaborative) -> dict:
    now = timezone.now()
    return {
        "last": MeetingFactory(collaborative=collaborative, starts_at=now - timedelta(days=10)),
        "next": MeetingFactory(collaborative=collaborative, starts_at=now + timedelta(days=7)),
    }


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def queries_and_size(client, address: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured), len(response.content)


KINDS = ("overdue", "due", "changed")


@pytest.fixture
def arising(collaborative, other_collaborative, meetings, member):
    """add(n): n more matters arising for the next meeting, a third of each kind, made in one go (their ids in
    `add.made`); and beside them actions that are not: untouched and due long after it, recorded at it, and
    another Collaborative's."""
    made = {kind: [] for kind in KINDS}
    meeting = meetings["next"]
    long_ago = timezone.now() - timedelta(days=60)
    yesterday = timezone.now() - timedelta(days=1)
    fields = {
        # Not done and due before today, untouched since long before the last meeting.
        "overdue": {"due_on": TODAY - timedelta(days=5), "updated_at": long_ago},
        # Due by the meeting (in a week), not yet overdue.
        "due": {"due_on": TODAY + timedelta(days=2), "updated_at": long_ago},
        # Due long after it, but changed since the last meeting (half of them done).
        "changed": {"due_on": TODAY + timedelta(days=60), "updated_at": yesterday},
    }

    def add(n: int) -> None:
        start = sum(len(pks) for pks in made.values())
        for i in range(start, start + n):
            kind = KINDS[i % 3]
            status = "done" if kind == "changed" and i % 2 else "open"
            action = Action(collaborative=collaborative, title=f"Arising {i:05d}", owner=member, status=status)
            for name, value in fields[kind].items():
                setattr(action, name, value)
            made[kind].append(action)
        Action.objects.bulk_create([action for pks in made.values() for action in pks if action.pk is None])
        untouched = {"due_on": TODAY + timedelta(days=60), "updated_at": long_ago}
        others = [Action(collaborative=collaborative, title=f"Untouched {i:05d}", **untouched) for i in range(n // 3)]
        others += [
            Action(collaborative=other_collaborative, title=f"Luton's {i:05d}", due_on=TODAY) for i in range(n // 3)
        ]
        if not start:
            # More than the meeting's page lists of those recorded at it: the same page whatever the matters arising.
            others += [
                Action(collaborative=collaborative, title=f"Recorded at it {i:05d}", due_on=TODAY, meeting=meeting)
                for i in range(SHOWN + 1)
            ]
        Action.objects.bulk_create(others)

    add.made = made
    return add


def arising_pks(arising) -> set[int]:
    return {action.pk for actions in arising.made.values() for action in actions}


def test_the_meeting_page_is_the_same_size_and_queries_with_30_or_300_matters_arising(member_client, meetings, arising):
    page = meetings["next"].get_absolute_url()
    arising(30)
    member_client.get(page)  # Warm up the session and caches.
    with nothing_cached():  # Counted as the page is made, not as it comes from the cache.
        few = queries_and_size(member_client, page)
    listed = section(text(member_client.get(page)), "arising-heading").count("<li>")
    arising(270)
    with nothing_cached():
        many = queries_and_size(member_client, page)

    assert few[0] == many[0], f"{few[0]} queries with 30 matters arising, {many[0]} with 300"
    # The same rows; only the numbers in the counts and the headings of the kinds shown differ.
    assert abs(many[1] - few[1]) < 300, f"{few[1]} bytes with 30 matters arising, {many[1]} with 300"
    assert listed == SHOWN
    assert section(text(member_client.get(page)), "arising-heading").count("<li>") == SHOWN


def test_the_counts_by_kind_are_right_and_the_most_pressing_come_first(member_client, meetings, arising):
    arising(90)  # 30 of each kind, and 30 each of those that are not matters arising.

    found = meeting_actions(meetings["next"])
    page = section(text(member_client.get(meetings["next"].get_absolute_url())), "arising-heading")

    assert found.arising_count == 90
    assert [(kind.key, kind.count) for kind in found.kinds] == [("overdue", 30), ("due", 30), ("changed", 30)]
    # Overdue first (the 20 shown are all overdue), the others counted and not listed.
    assert [action.pk for action in found.arising] == sorted(action.pk for action in arising.made["overdue"])[:SHOWN]
    assert "Actions due by this meeting, or changed since the meeting of" in page
    assert "90 in all, the most pressing 20 listed here." in page
    assert "<h3>Overdue: 30</h3>" in page
    assert "And 10 more: see them in the action log." in page
    assert "<h3>Due by this meeting: 30</h3>" in page
    assert f"<h3>Changed since the meeting of {meetings['last'].local_start:%-d %B}: 30</h3>" in page
    assert page.count("Not listed here: see them in the action log.") == 2
    assert "See all 90 in the action log</a>" in page
    assert "just the 30 overdue</a>" in page
    for left_out in ("Untouched", "Recorded at it", "Luton's"):
        assert left_out not in page


def test_see_all_leads_to_the_log_showing_exactly_the_matters_arising(member_client, meetings, arising):
    arising(60)
    page = text(member_client.get(meetings["next"].get_absolute_url()))
    links = dict(
        (name, address)
        for address, name in re.findall(
            r'<a href="([^"]*)">(See all \d+ in the action log|just the \d+ overdue)</a>', page
        )
    )

    log = member_client.get(links["See all 60 in the action log"])
    overdue = member_client.get(links["just the 20 overdue"])

    assert set(log.context["page"].paginator.object_list.values_list("pk", flat=True)) == arising_pks(arising)
    assert "60 actions, page 1 of 2." in text(log)
    assert set(overdue.context["page"].paginator.object_list.values_list("pk", flat=True)) == {
        action.pk for action in arising.made["overdue"]
    }
    # The filter is said in plain words, as a box to untick; unticked (the form sent without it), it is gone.
    on_the_log = text(log)
    date = meetings["next"].local_start
    assert (
        f'value="{meetings["next"].pk}" checked aria-describedby="id_arising_helptext"> '
        f"Only the matters arising for the meeting on {date:%-d %B %Y}</label>"
    ) in on_the_log
    assert "Untick this to see every action." in on_the_log
    everything = member_client.get(reverse("actions:log", kwargs={"slug": "lambeth"}), {"finished": "on"})
    assert everything.context["page"].paginator.count == 60 + 20 + SHOWN + 1
    assert "Only the matters arising" not in text(everything)


def test_the_log_refuses_another_collaboratives_meeting_as_matters_arising(member_client, other_collaborative, arising):
    arising(3)
    theirs = MeetingFactory(collaborative=other_collaborative)

    response = member_client.get(
        reverse("actions:log", kwargs={"slug": "lambeth"}), {"arising": theirs.pk, "finished": "on"}
    )

    assert "That meeting is not one of this Collaborative's, so that filter is left out." in text(response)
    assert response.context["page"].paginator.count == 3 + 1 + SHOWN + 1  # Lambeth's, every one.


def test_the_htmx_table_of_matters_arising(member_client, meetings, arising):
    arising(6)
    response = member_client.get(
        reverse("actions:log", kwargs={"slug": "lambeth"}),
        {"arising": meetings["next"].pk, "finished": "on"},
        headers={"HX-Request": "true"},
    )
    assert "<html" not in text(response)
    assert response.context["page"].paginator.count == 6


def test_the_actions_recorded_at_a_meeting_are_capped_with_a_link_to_them_all(
    member_client, collaborative, meetings, member
):
    last = meetings["last"]
    Action.objects.bulk_create(
        [
            Action(
                collaborative=collaborative, title=f"From the meeting {i:03d}", owner=member, due_on=TODAY, meeting=last
            )
            for i in range(SHOWN + 5)
        ]
    )

    page = section(text(member_client.get(last.get_absolute_url())), "actions-heading")
    address = re.search(r'<a href="([^"]*)">See all 25 in the action log</a>', page)[1]

    assert "25 actions, the first 20 recorded listed here." in page
    assert page.count("<li>") == SHOWN
    assert "From the meeting 019" in page
    assert "From the meeting 020" not in page
    assert address == f"{reverse('actions:log', kwargs={'slug': 'lambeth'})}?meeting={last.pk}&finished=on"
    assert member_client.get(address).context["page"].paginator.count == SHOWN + 5


def test_the_printed_agenda_shows_the_most_pressing_and_says_where_the_rest_are(member_client, meetings, arising):
    upcoming = meetings["next"]
    Meeting.objects.filter(pk=upcoming.pk).update(agenda_published_at=timezone.now())
    agenda = reverse("meetings:agenda", kwargs={"slug": "lambeth", "pk": upcoming.pk})
    arising(30)
    member_client.get(agenda)
    few = queries_and_size(member_client, agenda)
    arising(270)
    many = queries_and_size(member_client, agenda)

    page = text(member_client.get(agenda))

    assert few[0] == many[0]
    assert abs(many[1] - few[1]) < 300
    assert "300 in all, the most pressing 20 listed here." in page
    assert "<h3>Overdue: 100</h3>" in page
    assert page.count("<li><strong>Arising") == SHOWN
    assert "The rest are in the" in page
    assert "on this meeting's page, choose “See all 300 in the action log”." in page


@pytest.mark.parametrize("days_to_meeting", [7, 0, -20])
def test_the_counts_and_the_most_pressing_are_those_of_the_logs_filter(
    collaborative, other_collaborative, member, days_to_meeting, monkeypatch
):
    """Counted from indexes in parts, the matters arising are exactly those the log's filter finds, each of the
    kind it is, for a meeting to come, one today and one in the past (overdue since, and changed or not)."""
    now = timezone.now()
    meeting = MeetingFactory(collaborative=collaborative, starts_at=now + timedelta(days=days_to_meeting))
    MeetingFactory(collaborative=collaborative, starts_at=meeting.starts_at - timedelta(days=28))
    statuses = [status for status, _ in Action.Status.choices]
    made = []
    for i in range(150):
        status = statuses[i % len(statuses)]
        made.append(
            Action(
                collaborative=other_collaborative if i % 37 == 1 else collaborative,
                title=f"Action {i:03d}",
                owner=member if i % 4 else None,
                status=status,
                status_reason="Why" if status in Action.NEEDS_REASON else "",
                due_on=TODAY + timedelta(days=(i * 7) % 61 - 40),
                updated_at=now - timedelta(days=(i * 11) % 70),
                meeting=meeting if i % 13 == 0 else None,
            )
        )
    Action.objects.bulk_create(made)
    arising, _ = arising_filter(meeting)
    expected = list(Action.objects.filter(arising, collaborative=collaborative))
    due_by = meeting.local_start.date()

    def kind(action) -> int:
        if action.is_live and action.due_on < TODAY:
            return 0
        return 1 if action.is_live and action.due_on <= due_by else 2

    in_order = sorted(expected, key=lambda action: (kind(action), action.due_on, action.pk))
    counts = [sum(kind(action) == n for action in expected) for n in range(3)]

    # As shown, and with room for them all (then each kind's are read).
    for shown in (SHOWN, len(expected)):
        monkeypatch.setattr(selectors, "MEETING_ACTIONS_SHOWN", shown)
        found = meeting_actions(meeting, today=TODAY)

        assert found.arising_count == len(expected) > SHOWN
        assert [kind.count for kind in found.kinds] == counts
        assert [action.pk for action in found.arising] == [action.pk for action in in_order[:shown]]
        assert found.created_count == sum(action.meeting_id == meeting.pk for action in made)
    assert counts[0] > SHOWN
    assert counts[2]
    assert counts[1] if days_to_meeting >= 0 else not counts[1]  # None due by a meeting in the past.
