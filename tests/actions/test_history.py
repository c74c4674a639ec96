"""The history of an action: every change (field, old value, new value, who, when) recorded,
shown as a timeline, never rewritten, and still complete after a member's erasure."""

import html
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from actions.models import Action, ActionChange, ActionUpdate
from actions.services import action_change
from meetings.models import AgendaItem
from members.models import Membership
from members.personal_data import account_erase
from tests.factories import GoalFactory, MeetingFactory, MembershipFactory, action_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def text(response) -> str:
    """The page as read: without tags, with one space between words."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def in_order(page: str, *parts: str) -> None:
    """Each part appears in the page, after the one before it."""
    position = 0
    for part in parts:
        found = page.find(part, position)
        assert found >= 0, f"{part!r} is missing, or out of order"
        position = found + len(part)


def form_data(action: Action, **changes) -> dict:
    action = Action.objects.get(pk=action.pk)
    data = {
        "title": action.title,
        "description": action.description,
        "owner": action.owner_id,
        "supporters": list(action.supporters.values_list("pk", flat=True)),
        "organisation": action.organisation,
        "due_on": action.due_on.isoformat(),
        "status": action.status,
        "status_reason": action.status_reason,
        "goal": action.goal_id or "",
        "key_role": action.key_role_id or "",
        "meeting": action.meeting_id or "",
        "agenda_item": action.agenda_item_id or "",
        "decision": action.decision_id or "",
    }
    data.update(changes)
    return data


@pytest.fixture
def cast(collaborative):
    """The owner and two facilitators who change one action in turn, and a supporter."""
    role = Membership.Role
    return {
        "owner": MembershipFactory(collaborative=collaborative, user__display_name="Olu Owner").user,
        "first": MembershipFactory(
            collaborative=collaborative, role=role.FACILITATOR, user__display_name="Fay Facilitator"
        ).user,
        "second": MembershipFactory(
            collaborative=collaborative, role=role.FACILITATOR, user__display_name="Gus Facilitator"
        ).user,
        "supporter": MembershipFactory(collaborative=collaborative, user__display_name="Sam Supporter").user,
    }


@pytest.fixture
def edited(client, collaborative, cast):
    """One action, recorded by its owner, then changed through the pages by the owner, one
    facilitator and then another."""
    action = action_record(
        collaborative, by=cast["owner"], title="Map the crisis cafes", due_on=TODAY + timedelta(days=20)
    )
    goal = GoalFactory(collaborative=collaborative, title="Crisis help nearby")
    edit = reverse("actions:edit", kwargs={"slug": "lambeth", "pk": action.pk})
    steps = [
        ("owner", {"title": "Map every crisis cafe", "due_on": (TODAY + timedelta(days=30)).isoformat()}),
        ("first", {"status": "blocked", "status_reason": "Waiting for the council's list.", "organisation": "Lambeth"}),
        ("second", {"owner": cast["first"].pk, "supporters": [cast["supporter"].pk], "goal": goal.pk}),
    ]
    for who, changes in steps:
        client.force_login(cast[who])
        response = client.post(edit, form_data(action, **changes))
        assert response.status_code == 302, text(response)
    return action, goal


def test_every_change_by_three_people_is_recorded_in_order(edited, cast):
    action, goal = edited
    start = timezone.now() - timedelta(minutes=5)
    changes = list(ActionChange.objects.filter(action=action))
    owner, first, second, supporter = cast["owner"], cast["first"], cast["second"], cast["supporter"]
    assert [(c.field, c.old_value, c.new_value, c.changed_by) for c in changes] == [
        ("created", "", "Map the crisis cafes", owner),
        ("title", "Map the crisis cafes", "Map every crisis cafe", owner),
        ("due_on", (TODAY + timedelta(days=20)).isoformat(), (TODAY + timedelta(days=30)).isoformat(), owner),
        ("organisation", "", "Lambeth", first),
        ("status", "open", "blocked", first),
        ("status_reason", "", "Waiting for the council's list.", first),
        ("owner", str(owner.pk), str(first.pk), second),
        ("supporters", "", str(supporter.pk), second),
        ("goal", "", str(goal.pk), second),
    ]
    times = [c.changed_at for c in changes]
    assert times == sorted(times)
    assert all(start < when <= timezone.now() for when in times)
    # Changes saved together carry the same time; each person's come after the one before.
    assert times[1] == times[2] < times[3] == times[4] == times[5] < times[6] == times[7] == times[8]

    action.refresh_from_db()
    assert (action.title, action.status, action.owner, action.goal) == ("Map every crisis cafe", "blocked", first, goal)
    assert list(action.supporters.all()) == [supporter]


def test_the_timeline_shows_every_change_with_names_in_order(client, edited, cast, member):
    action, _goal = edited
    client.force_login(member)
    page = text(client.get(action.get_absolute_url()))
    in_order(
        page,
        "Olu Owner",
        "Recorded the action.",
        "Olu Owner",
        "Changed the title from Map the crisis cafes to Map every crisis cafe.",
        "Olu Owner",
        f"Changed the due date from {TODAY + timedelta(days=20):%-d %B %Y} to {TODAY + timedelta(days=30):%-d %B %Y}.",
        "Fay Facilitator",
        "Added the lead organisation: Lambeth.",
        "Fay Facilitator",
        "Changed the status from Open to Blocked.",
        "Fay Facilitator",
        "Added the reason: Waiting for the council's list.",
        "Gus Facilitator",
        "Changed the owner from Olu Owner to Fay Facilitator.",
        "Gus Facilitator",
        "Added the supporters: Sam Supporter.",
        "Gus Facilitator",
        "Added the goal: Crisis help nearby.",
    )
    assert page.count("Changed the ") == 4
    assert page.count("Added the ") == 4
    assert "from nothing" not in page


def test_the_timeline_says_plainly_where_an_action_came_from(client, collaborative, cast, member):
    action = action_record(collaborative, by=cast["owner"], title="Write to the trust")
    first = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=40))
    second = MeetingFactory(
        collaborative=collaborative,
        starts_at=timezone.now() - timedelta(days=10),
        agenda_published_at=timezone.now() - timedelta(days=20),  # Members see the items of a published agenda.
    )
    item = AgendaItem.objects.create(meeting=second, title="Waiting times", status=AgendaItem.Status.ACCEPTED)
    action_change(action=action, by=cast["first"], changes={"meeting": first, "organisation": "The trust"})
    action_change(action=action, by=cast["first"], changes={"meeting": second, "agenda_item": item})
    action_change(action=action, by=cast["first"], changes={"agenda_item": None, "organisation": ""})
    client.force_login(member)
    page = text(client.get(action.get_absolute_url()))
    in_order(
        page,
        "Added the lead organisation: The trust.",
        f"Linked it to the meeting of {first.local_start:%-d %B %Y}.",
        f"Changed where it came from, from the meeting of {first.local_start:%-d %B %Y} "
        f"to the meeting of {second.local_start:%-d %B %Y}.",
        "Linked it to the agenda item “Waiting times”.",
        "Removed the lead organisation: The trust.",
        "Removed the link to the agenda item “Waiting times”.",
    )
    assert "from nothing" not in page
    assert "came from from" not in page


def test_updates_take_their_place_in_the_timeline(client, collaborative, cast):
    action = action_record(collaborative, by=cast["owner"], title="Write to the trust")
    client.force_login(cast["owner"])
    client.post(reverse("actions:update", kwargs={"slug": "lambeth", "pk": action.pk}), {"text": "Letter sent."})
    action_change(action=action, by=cast["first"], changes={"status": "done"})
    page = text(client.get(action.get_absolute_url()))
    in_order(page, "Recorded the action.", "Letter sent.", "Changed the status from Open to Done.")


def test_the_history_survives_the_owners_erasure(client, edited, cast, member):
    action, _goal = edited
    rows = list(ActionChange.objects.order_by("id").values())
    owner_name = "Olu Owner"

    account_erase(user=cast["owner"])

    assert list(ActionChange.objects.order_by("id").values()) == rows
    client.force_login(member)
    page = text(client.get(action.get_absolute_url()))
    assert owner_name not in page
    in_order(
        page,
        "Former member",
        "Recorded the action.",
        "Former member",
        "Changed the title from Map the crisis cafes to Map every crisis cafe.",
        "Fay Facilitator",
        "Changed the status from Open to Blocked.",
        "Gus Facilitator",
        "Changed the owner from Former member to Fay Facilitator.",
    )


def test_a_recorded_change_cannot_be_changed_or_deleted_through_the_model(edited):
    action, _goal = edited
    change = ActionChange.objects.filter(action=action, field="title").get()
    change.new_value = "Something else"
    with pytest.raises(ValidationError, match="cannot be changed"):
        change.save()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        change.delete()
    assert ActionChange.objects.get(pk=change.pk).new_value == "Map every crisis cafe"
    assert ActionChange.objects.filter(action=action).count() == 9


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The trigger that makes the history append-only is PostgreSQL's (actions/migrations/0002); "
    "on SQLite only the model refuses. Run with DATABASE_URL=postgres://... to check it.",
)
def test_postgresql_refuses_any_update_or_delete_of_the_history(edited):
    action, _goal = edited
    change = ActionChange.objects.filter(action=action, field="title").get()

    def raw(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(table=ActionChange._meta.db_table), [change.pk])

    attempts = [
        lambda: raw("UPDATE {table} SET new_value = 'rewritten' WHERE id = %s"),
        lambda: raw("DELETE FROM {table} WHERE id = %s"),
        lambda: ActionChange.objects.filter(pk=change.pk).update(new_value="rewritten"),
        lambda: ActionChange.objects.filter(pk=change.pk).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
            attempt()
    assert ActionChange.objects.get(pk=change.pk).new_value == "Map every crisis cafe"
    assert ActionChange.objects.filter(action=action).count() == 9
    # Adding to it still works.
    action_change(action=action, by=action.owner, changes={"title": "Map them all"})
    assert ActionChange.objects.filter(action=action).count() == 10


def test_the_history_reads_one_page_of_changes_and_updates_in_the_order_they_happened(
    member_client, collaborative, member
):
    """Only a page is read, yet the pages are those of the whole history in order: changes and updates by time,
    a change before an update made at the same moment; the latest page first, the earliest on page 1."""
    action = action_record(collaborative, by=member, title="Map the crisis cafes")
    start = timezone.now() - timedelta(days=30)
    ActionChange.objects.bulk_create(
        ActionChange(
            action=action,
            field="organisation",
            old_value=f"Organisation {i - 1:02d}" if i else "",
            new_value=f"Organisation {i:02d}",
            changed_by=member,
            changed_at=start + timedelta(minutes=i),
        )
        for i in range(40)
    )
    ActionUpdate.objects.bulk_create(
        ActionUpdate(action=action, author=member, text=f"Update {i:02d}", created_at=start + timedelta(minutes=i))
        for i in range(0, 40, 4)
    )
    address = action.get_absolute_url()

    latest, earliest = text(member_client.get(address)), text(member_client.get(address + "?page=1"))

    # 51 entries: 40 changes, 10 updates, and "Recorded the action" now; 30 on page 1, 21 on page 2.
    assert "51 entries, oldest first, 30 to a page." in latest
    in_order(
        earliest, "Added the lead organisation: Organisation 00", "Update 00", "Organisation 01 to Organisation 02"
    )
    assert "Update 20" in earliest
    assert "Update 24" not in earliest
    in_order(latest, "Organisation 23 to Organisation 24", "Update 24", "Organisation 38 to Organisation 39")
    in_order(latest, "Organisation 38 to Organisation 39", "Recorded the action.")
    assert "Organisation 22 to Organisation 23" not in latest
