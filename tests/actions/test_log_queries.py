"""The action log and its export use as many queries for 80 actions as for 10 (issue 7: the log must
not grow with the number of actions, their history or their updates).

The larger log also has more meetings, goals and people, each with a history and updates, so a
query made once for each row, each meeting or each person shows up as a difference.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from actions.export import COLUMNS
from actions.models import Action, ActionChange, ActionUpdate
from actions.views import PAGE_SIZE
from members.models import Membership
from tests.factories import CollaborativeFactory, GoalFactory, MeetingFactory, MembershipFactory
from vision.services import framework_start

pytestmark = pytest.mark.django_db

FEW, MANY = 10, 80
ORGANISATIONS = ["Lambeth Council", "Age UK Lambeth", "Mind in Lambeth"]
TOPICS = ["transport", "housing", "carers' breaks"]
STATUSES = [Action.Status.OPEN, Action.Status.IN_PROGRESS, Action.Status.DONE, Action.Status.BLOCKED]
FILTERED = "?q=transport&status=open&overdue=on&organisation=Lambeth+Council&sort=updated"


def log_of(slug: str, actions: int, *, meetings: int, goals: int, people: int) -> tuple[Membership, dict]:
    """A Collaborative with `actions` actions, each with ten history rows, two updates (some with a
    link or a file) and up to two supporters; returns a member's membership and what to expect."""
    collaborative = CollaborativeFactory(slug=slug)
    framework_start(collaborative=collaborative)
    member = MembershipFactory(collaborative=collaborative)
    users = [MembershipFactory(collaborative=collaborative).user for _ in range(people)]
    goal_rows = [GoalFactory(collaborative=collaborative) for _ in range(goals)]
    key_roles = list(collaborative.key_roles.all())
    now = timezone.now()
    meeting_rows = [
        MeetingFactory(collaborative=collaborative, starts_at=now - timedelta(days=28 * (n + 1)), ends_at=now)
        for n in range(meetings)
    ]
    today = timezone.localdate()
    rows = Action.objects.bulk_create(
        Action(
            collaborative=collaborative,
            title=f"Write about {TOPICS[n % len(TOPICS)]}, number {n}",
            description="Agreed at the meeting.",
            owner=users[n % people],
            organisation=ORGANISATIONS[n % len(ORGANISATIONS)],
            due_on=today + timedelta(days=-5 if n % 2 == 0 else 10),
            status=STATUSES[n % len(STATUSES)],
            status_reason="Waiting for the budget." if STATUSES[n % len(STATUSES)] in Action.NEEDS_REASON else "",
            meeting=meeting_rows[n % meetings],
            goal=goal_rows[n % goals] if n % 3 else None,
            key_role=key_roles[n % len(key_roles)] if n % 2 else None,
            created_by=member.user,
            created_at=now - timedelta(days=60),
            updated_at=now - timedelta(days=n % 30),
        )
        for n in range(actions)
    )
    Action.supporters.through.objects.bulk_create(
        Action.supporters.through(action=action, user=users[(n + k + 1) % people])
        for n, action in enumerate(rows)
        for k in range(n % 3)
    )
    ActionChange.objects.bulk_create(
        ActionChange(
            action=action,
            field="created" if k == 0 else "status",
            old_value="" if k == 0 else "open",
            new_value=action.title if k == 0 else "in_progress",
            changed_by=users[k % people],
            changed_at=now - timedelta(days=60 - k),
        )
        for action in rows
        for k in range(10)
    )
    ActionUpdate.objects.bulk_create(
        ActionUpdate(
            action=action,
            author=users[(n + k) % people],
            text=f"Progress {n}-{k}",
            link="https://example.org/report" if (n + k) % 3 == 0 else "",
            file=f"{collaborative.pk}/{action.pk}/evidence" if (n + k) % 4 == 1 else "",
            file_name="notes.pdf" if (n + k) % 4 == 1 else "",
            created_at=now - timedelta(days=40 - k),
        )
        for n, action in enumerate(rows)
        for k in range(2)
    )
    filtered = [
        n
        for n in range(actions)
        if n % len(TOPICS) == 0 and n % len(ORGANISATIONS) == 0 and n % 2 == 0 and STATUSES[n % 4] == "open"
    ]
    return member, {"actions": actions, "filtered": len(filtered)}


@pytest.fixture
def logs() -> dict[str, tuple[Membership, dict]]:
    return {
        "few": log_of("few", FEW, meetings=2, goals=2, people=3),
        "many": log_of("many", MANY, meetings=6, goals=5, people=12),
    }


def count(client, address: str) -> tuple[int, bytes]:
    """The queries of a request made a second time (the session and the like as on any later visit),
    counted until a streamed response has been read to the end; and the body."""
    client.get(address)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
        assert response.status_code == 200, (address, response.status_code, response.headers.get("Location"))
        # The test client closes a streamed response once it has been read to the end.
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(queries.captured_queries), body


def counts(client, logs, name: str, query: str = "") -> dict[str, tuple[int, bytes]]:
    found = {}
    for size, (member, _expected) in logs.items():
        client.force_login(member.user)
        found[size] = count(client, reverse(name, kwargs={"slug": member.collaborative.slug}) + query)
    return found


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("?finished=on", lambda expected: expected["actions"]),
        ("", None),
        (FILTERED, lambda expected: expected["filtered"]),
        ("?sort=title&page=2&finished=on", lambda expected: expected["actions"]),
        ("?status=open&status=in_progress&overdue=on&sort=-due", None),
    ],
    ids=["unfiltered", "live-by-default", "filtered", "title-order-page-2", "live-and-overdue"],
)
def test_the_log_uses_as_many_queries_for_80_actions_as_for_10(client, logs, query, shown):
    found = counts(client, logs, "actions:log", query)

    for size, (_queries, body) in found.items():
        page = body.decode()
        expected = logs[size][1]
        if shown is not None:
            assert f'<p id="action-count" role="status">{shown(expected)} action' in page, size
        assert "Former member" not in page
    assert logs["many"][1]["filtered"] > logs["few"][1]["filtered"] > 0
    # The first page of the larger log is full; its rows show their latest update.
    if query == "?finished=on":
        assert found["many"][1].decode().count("<tr>") == PAGE_SIZE + 1
        assert "Progress 0-1" in found["many"][1].decode()
    assert found["many"][0] == found["few"][0], {size: queries for size, (queries, _body) in found.items()}


def test_the_csv_uses_as_many_queries_for_80_actions_as_for_10(client, logs):
    found = counts(client, logs, "actions:export_csv", "?finished=on")

    for size, (_queries, body) in found.items():
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert len(rows) == logs[size][1]["actions"] + 1
        by_number = {row[0]: row for row in rows[1:]}
        first = by_number[str(Action.objects.get(collaborative__slug=size, title__endswith="number 1").pk)]
        assert first[COLUMNS.index("From the meeting")]
        assert first[COLUMNS.index("Latest update")] == "Progress 1-1"
    assert found["many"][0] == found["few"][0], {size: queries for size, (queries, _body) in found.items()}


def test_the_filtered_csv_and_the_excel_file_use_as_many_queries_for_80_actions_as_for_10(client, logs):
    filtered = counts(client, logs, "actions:export_csv", FILTERED)
    excel = counts(client, logs, "actions:export_xlsx", "?finished=on")

    for size, (_queries, body) in filtered.items():
        assert len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) == logs[size][1]["filtered"] + 1
    for size, (_queries, body) in excel.items():
        assert len(list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows())) == (
            logs[size][1]["actions"] + 1
        )
    assert filtered["many"][0] == filtered["few"][0]
    assert excel["many"][0] == excel["few"][0]
