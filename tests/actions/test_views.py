"""The action log (filters, search, sort, pages, htmx), "My actions" with quick status changes
on the home page, and actions from meetings: recorded from a decision, listed on the meeting's
page, and "matters arising" on the next meeting's."""

import html
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, ActionUpdate
from actions.services import action_change
from actions.views import PAGE_SIZE
from meetings.models import AgendaItem, Decision, Meeting
from members.models import Membership
from tests.factories import ActionFactory, GoalFactory, MeetingFactory, MembershipFactory, action_record
from vision.models import KeyRole

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HTMX = {"HX-Request": "true"}


def url(name: str, **kwargs) -> str:
    return reverse(f"actions:{name}", kwargs={"slug": "lambeth", **kwargs})


def quick(action, **fields) -> dict:
    """A quick status change as the home page's form sends it: each action's fields are named after it."""
    return {f"action-{action.pk}-{name}": value for name, value in fields.items()}


def text(response) -> str:
    return html.unescape(response.content.decode())


def day(delta: int) -> str:
    return (TODAY + timedelta(days=delta)).isoformat()


def titles(response) -> list[str]:
    assert response.status_code == 200
    return [row["title"] for row in response.context["page"].object_list]


@pytest.fixture
def log(collaborative) -> dict:
    """Five actions of known owners, organisations, goals, key roles, meetings, due dates and statuses."""
    alice = MembershipFactory(collaborative=collaborative, user__display_name="Alice Ade").user
    bob = MembershipFactory(collaborative=collaborative, user__display_name="Bob Burns").user
    goals = [GoalFactory(collaborative=collaborative, title=f"Goal {n}") for n in (1, 2)]
    roles = [KeyRole.objects.create(collaborative=collaborative, number=n, title=f"Role {n}") for n in (1, 2)]
    meetings = [
        MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=days))
        for days in (60, 30)
    ]

    def make(title, owner, due, status="open", **fields):
        reason = "A reason." if status in Action.NEEDS_REASON else ""
        action = ActionFactory(
            collaborative=collaborative,
            title=title,
            owner=owner,
            due_on=TODAY + timedelta(days=due),
            status=status,
            status_reason=reason,
            **fields,
        )
        return action

    actions = {
        "map": make("Crisis cafe map", alice, -5, organisation="Lambeth Council", goal=goals[0], meeting=meetings[0]),
        "training": make(
            "Peer support training", bob, 10, "in_progress", organisation="SLaM", goal=goals[1], key_role=roles[0]
        ),
        "leaflet": make("Carers' leaflet", alice, -20, "done", organisation="SLaM", key_role=roles[1]),
        "letter": make("Housing letter", bob, -1, "blocked", goal=goals[0], meeting=meetings[1]),
        "idea": make("Closed idea", alice, 40, "dropped", description="It was about a crisis line."),
    }
    return {"alice": alice, "bob": bob, "goals": goals, "roles": roles, "meetings": meetings, **actions}


ALL = ["Carers' leaflet", "Crisis cafe map", "Housing letter", "Peer support training", "Closed idea"]
ALICE = ["Carers' leaflet", "Crisis cafe map", "Closed idea"]
LIVE = {"Crisis cafe map", "Housing letter", "Peer support training"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("status=open&status=blocked", ["Crisis cafe map", "Housing letter"]),
        ("status=done", ["Carers' leaflet"]),
        ("overdue=on", ["Crisis cafe map", "Housing letter"]),
        ("overdue=on&status=blocked", ["Housing letter"]),
        ("owner={alice}", ["Carers' leaflet", "Crisis cafe map", "Closed idea"]),
        ("organisation=SLaM", ["Carers' leaflet", "Peer support training"]),
        ("organisation=Lambeth+Council", ["Crisis cafe map"]),
        ("goal={goal1}", ["Crisis cafe map", "Housing letter"]),
        ("key_role={role1}", ["Peer support training"]),
        ("meeting={meeting2}", ["Housing letter"]),
        ("due_from={minus6}&due_to={today}", ["Crisis cafe map", "Housing letter"]),
        ("due_from={today}", ["Peer support training", "Closed idea"]),
        ("due_to={minus6}", ["Carers' leaflet"]),
        ("q=crisis", ["Crisis cafe map", "Closed idea"]),
        ("q=CARERS", ["Carers' leaflet"]),
        ("q=slam", ["Carers' leaflet", "Peer support training"]),
        ("q=nothing+like+it", []),
        ("sort=-due", list(reversed(ALL))),
        ("sort=title", sorted(ALL)),
        (
            "sort=status",
            ["Housing letter", "Carers' leaflet", "Closed idea", "Peer support training", "Crisis cafe map"],
        ),
        ("owner={bob}&goal={goal1}&overdue=on", ["Housing letter"]),
    ],
)
@pytest.mark.parametrize("finished", [True, False], ids=["finished", "live"])
def test_each_filter_narrows_the_log(member_client, log, query, expected, finished):
    """`expected` with done and dropped actions included; with no status chosen, the log shows only the live
    actions (open, in progress, blocked) unless they are."""
    query = query.format(
        alice=log["alice"].pk,
        bob=log["bob"].pk,
        goal1=log["goals"][0].pk,
        role1=log["roles"][0].pk,
        meeting2=log["meetings"][1].pk,
        minus6=day(-6),
        today=day(0),
    )
    if finished:
        query += "&finished=on"
    elif "status=" not in query:
        expected = [title for title in expected if title in LIVE]
    response = member_client.get(f"{url('log')}?{query}")
    assert titles(response) == expected
    page = text(response)
    assert f"{len(expected)} action{'' if len(expected) == 1 else 's'}." in page
    assert "There is a problem" not in page


def test_sorting_by_last_changed(member_client, log):
    action_change(action=log["idea"], by=log["alice"], changes={"title": "Closed idea, again"})
    Action.objects.filter(pk=log["training"].pk).update(updated_at=timezone.now() + timedelta(minutes=1))
    assert titles(member_client.get(f"{url('log')}?sort=updated&finished=on"))[:2] == [
        "Peer support training",
        "Closed idea, again",
    ]


def test_the_log_flags_overdue_actions_and_shows_the_latest_update(member_client, log):
    from actions.services import action_update_add

    action_update_add(action=log["map"], by=log["alice"], text="First draft done.")
    action_update_add(action=log["map"], by=log["alice"], text="Second draft with the council.")
    page = text(member_client.get(url("log")))
    assert page.count("Overdue</strong>") == 2
    assert "Second draft with the council." in page
    assert "First draft done." not in page
    assert "Alice Ade" in page


@pytest.mark.parametrize(
    ("query", "message", "expected"),
    [
        ("owner=abc&status=open", "Owner: Select a valid choice.", ["Crisis cafe map"]),
        ("owner=999999&status=open", "Owner: Select a valid choice.", ["Crisis cafe map"]),
        # A list with a bad value in it is dropped whole.
        # ... and with no status left, the live actions are shown.
        ("status=finished&status=open&owner={alice}", "Status: Select a valid choice. finished", ["Crisis cafe map"]),
        ("due_from=next+week&status=open", "Due from: Enter a valid date.", ["Crisis cafe map"]),
        ("due_to=2020-02-30&status=open", "Due by: Enter a valid date.", ["Crisis cafe map"]),
        ("due_from=99999-01-01&status=open", "Due from: Enter a valid date.", ["Crisis cafe map"]),
        ("due_from=3025-01-01&status=open", "Due from: Choose a day within", ["Crisis cafe map"]),
        (
            "due_from={minus6}&due_to={minus20}&status=open",
            "Due by: The end of the range must be after its start.",
            ["Crisis cafe map"],
        ),
        ("sort=bogus&status=open", "Order: Select a valid choice.", ["Crisis cafe map"]),
        ("organisation=Nobody&status=open", "Lead organisation: Select a valid choice.", ["Crisis cafe map"]),
        ("goal=-1&status=open", "Goal: Select a valid choice.", ["Crisis cafe map"]),
        ("key_role=%00&status=open", "Key role:", ["Crisis cafe map"]),
        ("meeting=1e9&status=open", "From the meeting: Select a valid choice.", ["Crisis cafe map"]),
        (
            "q=" + "x" * 201 + "&status=open",
            "Search: Ensure this value has at most 200 characters",
            ["Crisis cafe map"],
        ),
    ],
)
def test_a_bad_filter_value_is_explained_and_the_good_ones_still_apply(member_client, log, query, message, expected):
    query = query.format(minus6=day(-6), minus20=day(-20), alice=log["alice"].pk)
    response = member_client.get(f"{url('log')}?{query}")
    assert response.status_code == 200
    assert "There is a problem" in text(response)
    assert message in text(response)
    assert titles(response) == expected


def test_a_goal_or_meeting_of_another_collaborative_is_not_a_filter(member_client, log, other_collaborative):
    theirs = GoalFactory(collaborative=other_collaborative)
    response = member_client.get(f"{url('log')}?goal={theirs.pk}&finished=on")
    assert "Goal: Select a valid choice." in text(response)
    assert titles(response) == ALL


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", "1.5"])
def test_a_bad_page_number_shows_a_page(member_client, log, page):
    response = member_client.get(f"{url('log')}?page={page}&finished=on")
    assert response.status_code == 200
    assert titles(response) == ALL


def test_htmx_gets_only_the_table(member_client, log):
    response = member_client.get(f"{url('log')}?status=done", headers=HTMX)
    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body
    # The count first, out of band: htmx puts it in the status line screen readers announce.
    assert body.strip().startswith('<p id="action-count" role="status" data-hx-swap-oob="true">')
    assert '<div id="action-table">' in body
    assert "Carers' leaflet" in body
    assert "Crisis cafe map" not in body
    assert "HX-Request" in response.headers["Vary"]
    # The filters' own errors come back in the fragment too.
    assert "Owner: Select a valid choice." in text(member_client.get(f"{url('log')}?owner=abc", headers=HTMX))


def test_without_htmx_and_on_history_restore_the_whole_page(member_client, log):
    assert "<html" in text(member_client.get(f"{url('log')}?status=done"))
    restore = {**HTMX, "HX-History-Restore-Request": "true"}
    page = text(member_client.get(f"{url('log')}?status=done", headers=restore))
    assert "<html" in page
    assert page.count('id="action-count"') == 1
    assert "hx-swap-oob" not in page


def test_the_filters_are_in_the_form_and_the_export_links(member_client, log):
    page = member_client.get(f"{url('log')}?status=open&q=crisis").content.decode()
    assert f'href="{url("export_csv")}?status=open&amp;q=crisis"' in page
    assert f'href="{url("export_xlsx")}?status=open&amp;q=crisis"' in page
    assert 'value="crisis"' in page
    assert 'data-hx-get="/c/lambeth/actions/"' in page
    assert 'data-hx-push-url="true"' in page


def test_when_nothing_matches_the_log_says_what_the_filters_were_and_offers_no_download(member_client, log):
    # Issue 15, item 20.
    page = text(member_client.get(f"{url('log')}?status=blocked&overdue=on&q=nothing+like+this"))
    assert (
        "No actions match these filters: “nothing like this” in the title, description or organisation; "
        "status blocked; overdue." in page
    )
    assert "Clear the filters</a> to see every action not yet done or dropped." in page
    assert url("export_csv") not in page
    assert url("export_xlsx") not in page


def test_a_log_with_no_actions_at_all_says_so(member_client, collaborative):
    page = text(member_client.get(url("log")))
    assert "There are no actions yet." in page
    assert "No actions match" not in page


def test_overdue_is_a_filter_of_its_own_not_a_sixth_status(member_client, log):
    page = text(member_client.get(url("log")))
    statuses = page.split("<legend>Status</legend>")[1].split("</fieldset>")[0]
    assert statuses.count('type="checkbox"') == len(Action.Status.choices)
    assert "Overdue only" not in statuses
    assert 'aria-describedby="id_overdue_helptext"> Overdue only' in page


def test_pages_keep_the_filters(member_client, collaborative, log):
    owner = log["bob"]
    for n in range(PAGE_SIZE + 10):
        ActionFactory(collaborative=collaborative, owner=owner, title=f"Batch {n:03}", due_on=TODAY + timedelta(days=n))
    first = member_client.get(f"{url('log')}?owner={owner.pk}&status=open&sort=title")
    assert len(titles(first)) == PAGE_SIZE
    assert titles(first)[0] == "Batch 000"
    body = first.content.decode()
    assert f'href="?owner={owner.pk}&amp;status=open&amp;sort=title&amp;page=2"' in body
    assert "62 actions" not in body  # Bob's blocked and in-progress actions are not open.
    assert "60 actions, page 1 of 2." in body

    second = member_client.get(f"{url('log')}?owner={owner.pk}&status=open&sort=title&page=2")
    assert titles(second) == [f"Batch {n:03}" for n in range(PAGE_SIZE, PAGE_SIZE + 10)]
    body = second.content.decode()
    assert f'href="?owner={owner.pk}&amp;status=open&amp;sort=title&amp;page=1"' in body
    # The page number is not kept twice, nor in the export links.
    assert "page=2&amp;page" not in body
    assert f'{url("export_csv")}?owner={owner.pk}&amp;status=open&amp;sort=title"' in body
    htmx_page = member_client.get(f"{url('log')}?owner={owner.pk}&status=open&sort=title&page=2", headers=HTMX)
    assert f'href="?owner={owner.pk}&amp;status=open&amp;sort=title&amp;page=1"' in htmx_page.content.decode()


# "My actions" and quick status changes


@pytest.fixture
def mine(collaborative, member, other_collaborative) -> dict:
    someone = MembershipFactory(collaborative=collaborative, user__display_name="Someone Else").user
    MembershipFactory(collaborative=other_collaborative, user=member)
    return {
        "owned": action_record(collaborative, by=member, title="Owned by me", due_on=TODAY - timedelta(days=2)),
        "supported": action_record(collaborative, by=someone, title="Supported by me", supporters=[member]),
        "done": action_record(collaborative, by=member, title="Finished by me", status="done"),
        "dropped": action_record(
            collaborative, by=member, title="Dropped by me", status="dropped", status_reason="No."
        ),
        "theirs": action_record(collaborative, by=someone, title="Not mine at all"),
        "elsewhere": action_record(other_collaborative, by=member, title="Mine in Luton"),
    }


def home() -> str:
    return reverse("home:collaborative_home", kwargs={"slug": "lambeth"})


def test_my_actions_shows_the_live_actions_i_own_or_support(member_client, mine):
    page = text(member_client.get(home()))
    assert "Owned by me" in page
    assert "Supported by me" in page
    for title in ("Finished by me", "Dropped by me", "Not mine at all", "Mine in Luton"):
        assert title not in page
    assert page.index("Owned by me") < page.index("Supported by me")  # Soonest due first.
    assert "Overdue" in page
    assert "(you are supporting)" in page
    # Owners get the quick status change; supporters do not.
    assert f'data-hx-post="{url("status", pk=mine["owned"].pk)}"' in page
    assert f'data-hx-post="{url("status", pk=mine["supported"].pk)}"' not in page


def test_my_actions_links_to_all_of_them_when_there_are_many(member_client, collaborative, member):
    assert "You have no actions to do." in text(member_client.get(home()))
    for n in range(11):
        action_record(collaborative, by=member, title=f"Job {n}")
    page = text(member_client.get(home()))
    assert page.count('class="card my-action"') == 10
    assert f'href="{url("log")}?owner={member.pk}">All the actions you own that are still to do' in page


def test_a_quick_status_change_with_htmx_returns_the_item(member_client, mine):
    action = mine["owned"]
    response = member_client.post(
        url("status", pk=action.pk), quick(action, status="in_progress", status_reason=""), headers=HTMX
    )
    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body
    assert body.strip().startswith(f'<li class="card my-action" id="my-action-{action.pk}">')
    assert "Saved." in body
    assert '<option value="in_progress" selected>' in body
    assert Action.objects.get(pk=action.pk).status == "in_progress"
    assert action.changes.filter(field="status").get().new_value == "in_progress"


def test_a_quick_status_change_with_an_error_says_so_and_changes_nothing(member_client, mine):
    action = mine["owned"]
    response = member_client.post(url("status", pk=action.pk), quick(action, status="finished"), headers=HTMX)
    body = text(response)
    assert "Select a valid choice." in body
    assert "Saved." not in body
    assert Action.objects.get(pk=action.pk).status == "open"


def test_without_htmx_a_quick_status_change_goes_back_to_the_page(member_client, mine):
    action = mine["owned"]
    response = member_client.post(url("status", pk=action.pk), quick(action, status="done") | {"next": home()})
    assert response.status_code == 302
    assert response.headers["Location"] == home()
    page = text(member_client.get(home()))
    assert "“Owned by me” is now done." in page
    assert "Owned by me</a>" not in page  # Done: no longer on the list.


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/c/lambeth/", "javascript:alert(1)", "http://testserver.evil/"]
)
def test_an_off_site_next_is_ignored(member_client, mine, target):
    action = mine["owned"]
    response = member_client.post(url("status", pk=action.pk), quick(action, status="in_progress") | {"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == action.get_absolute_url()


def test_without_a_next_it_goes_to_the_action(member_client, mine):
    action = mine["owned"]
    response = member_client.post(url("status", pk=action.pk), quick(action, status="in_progress"))
    assert response.headers["Location"] == action.get_absolute_url()


def test_the_quick_status_form_is_only_for_the_owner_and_facilitators(client, mine, facilitator):
    supported = mine["supported"]
    owner = supported.owner
    client.force_login(owner)
    page = text(client.get(home()))
    assert f'data-hx-post="{url("status", pk=supported.pk)}"' in page
    client.force_login(facilitator)
    response = client.post(url("status", pk=supported.pk), quick(supported, status="in_progress"), follow=True)
    assert "“Supported by me” is now in progress." in text(response)
    assert Action.objects.get(pk=supported.pk).status == "in_progress"


# Meetings


@pytest.fixture
def decided(collaborative) -> dict:
    """A meeting whose agenda and notes are published, with an item on the agenda and a decision under it."""
    now = timezone.now()
    meeting = MeetingFactory(
        collaborative=collaborative,
        starts_at=now - timedelta(days=3),
        agenda_published_at=now - timedelta(days=10),
        notes_published_at=now - timedelta(days=2),
    )
    item = AgendaItem.objects.create(meeting=meeting, title="Crisis cafes", status=AgendaItem.Status.ACCEPTED)
    decision = Decision.objects.create(meeting=meeting, agenda_item=item, text="We will map every crisis cafe.")
    return {"meeting": meeting, "item": item, "decision": decision}


def test_an_action_recorded_from_a_decision_knows_where_it_came_from(facilitator_client, facilitator, decided, member):
    decision, meeting, item = decided["decision"], decided["meeting"], decided["item"]
    address = f"{url('new')}?decision={decision.pk}&agenda_item={item.pk}"
    form = facilitator_client.get(address).context["form"]
    assert form.initial["title"] == "We will map every crisis cafe."
    assert (form.initial["meeting"], form.initial["decision"], form.initial["agenda_item"]) == (
        meeting.pk,
        decision.pk,
        item.pk,
    )
    page = facilitator_client.get(address).content.decode()
    assert f'name="decision" value="{decision.pk}"' in page
    assert f'action="{address.replace("&", "&amp;")}"' in page

    response = facilitator_client.post(
        address,
        {
            "title": "Map every crisis cafe",
            "owner": member.pk,
            "due_on": day(30),
            "status": "open",
            "decision": decision.pk,
            "agenda_item": item.pk,
            "meeting": "",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.meeting, action.decision, action.agenda_item) == (meeting, decision, item)
    page = text(facilitator_client.get(action.get_absolute_url()))
    assert "“Crisis cafes”" in page
    assert "“We will map every crisis cafe.”" in page


def test_the_decision_alone_sets_the_meeting(member_client, member, decided):
    decision = decided["decision"]
    response = member_client.post(
        f"{url('new')}?decision={decision.pk}",
        {"title": "From the decision", "owner": member.pk, "due_on": day(9), "status": "open", "decision": decision.pk},
    )
    assert response.status_code == 302
    assert Action.objects.get().meeting == decided["meeting"]


def test_a_meeting_link_starts_the_action_from_that_meeting(member_client, decided):
    meeting = decided["meeting"]
    assert member_client.get(f"{url('new')}?meeting={meeting.pk}").context["form"].initial["meeting"] == meeting.pk


@pytest.mark.parametrize("value", ["abc", "-1", "١٢", "99999999999999999999"])
def test_a_nonsense_origin_in_the_address_is_ignored(member_client, value):
    response = member_client.get(f"{url('new')}?decision={value}&meeting={value}&agenda_item={value}")
    assert response.status_code == 200
    form = response.context["form"]
    assert [form.initial.get(field) for field in ("decision", "meeting", "agenda_item")] == [None, None, None]


def test_a_decision_of_another_collaborative_is_not_offered(member_client, other_collaborative):
    meeting = MeetingFactory(collaborative=other_collaborative, starts_at=timezone.now() - timedelta(days=3))
    decision = Decision.objects.create(meeting=meeting, text="Luton's secret decision.")
    response = member_client.get(f"{url('new')}?decision={decision.pk}")
    assert "Luton's secret decision." not in text(response)
    form = response.context["form"]
    assert (form.initial["title"], form.initial.get("decision")) == ("", None)
    assert 'name="decision" value' not in response.content.decode()


# Where an action came from: only what every member may see (issue 12, item 7). Every member sees
# an action, with the agenda item and the decision it came from, so "Record an action" takes only a
# decision in published notes that is not withdrawn, and an item on a published agenda or the
# person's own; facilitators too. A refused link says so plainly and records nothing.


@pytest.fixture
def drafts(collaborative, people) -> dict:
    """What members may not see: decisions in draft notes (one withdrawn), a withdrawn decision in
    published notes, another member's declined item, and an item on an agenda not yet published."""
    now = timezone.now()
    draft = MeetingFactory(collaborative=collaborative, starts_at=now - timedelta(days=3), agenda_published_at=now)
    published = MeetingFactory(
        collaborative=collaborative, starts_at=now - timedelta(days=40), notes_published_at=now - timedelta(days=30)
    )
    unpublished_agenda = MeetingFactory(collaborative=collaborative, starts_at=now + timedelta(days=20))
    other = MembershipFactory(collaborative=collaborative, user__display_name="Olu Bello").user
    return {
        "draft_decision": Decision.objects.create(meeting=draft, text="Draft: close the Brixton cafe."),
        "withdrawn_draft": Decision.objects.create(
            meeting=draft, text="Mistake: sack the chair.", withdrawn_at=now - timedelta(hours=1)
        ),
        "withdrawn_published": Decision.objects.create(
            meeting=published, text="Withdrawn: move to Croydon.", withdrawn_at=now - timedelta(days=29)
        ),
        "declined": AgendaItem.objects.create(
            meeting=draft,
            title="Olu's private worry about a named nurse",
            status=AgendaItem.Status.DECLINED,
            proposed_by=other,
        ),
        "unpublished_item": AgendaItem.objects.create(
            meeting=unpublished_agenda, title="Budget cuts, not announced yet", status=AgendaItem.Status.ACCEPTED
        ),
        "other": other,
    }


def new_action(owner, **origin) -> dict:
    return {"title": "Follow it up", "owner": owner.pk, "due_on": day(14), "status": "open", **origin}


@pytest.mark.parametrize("which", ["withdrawn_draft", "withdrawn_published"])
def test_record_an_action_does_not_show_a_withdrawn_decision(member_client, drafts, which):
    decision = drafts[which]

    response = member_client.get(f"{url('new')}?decision={decision.pk}")

    assert response.status_code == 200
    page = text(response)
    assert decision.text not in page
    form = response.context["form"]
    assert (form.initial["title"], form.initial.get("decision")) == ("", None)
    assert f'name="decision" value="{decision.pk}"' not in page
    assert "An action can come only from a decision in published notes that has not been withdrawn." in page


@pytest.mark.parametrize("client_name", ["member_client", "facilitator_client"])
def test_record_an_action_refuses_a_decision_from_unpublished_notes(request, drafts, member, client_name):
    client = request.getfixturevalue(client_name)
    decision = drafts["draft_decision"]

    shown = text(client.get(f"{url('new')}?decision={decision.pk}"))
    response = client.post(f"{url('new')}?decision={decision.pk}", new_action(member, decision=decision.pk))

    assert decision.text not in shown
    assert response.status_code == 400
    assert "An action can come only from a decision in published notes" in text(response)
    assert not Action.objects.exists()


def test_record_an_action_refuses_a_withdrawn_decision_sent_in_the_form(member_client, member, drafts):
    response = member_client.post(url("new"), new_action(member, decision=drafts["withdrawn_published"].pk))

    assert response.status_code == 400
    assert not Action.objects.exists()


def test_an_action_cannot_link_another_members_declined_agenda_item(member_client, member, drafts):
    item = drafts["declined"]

    shown = member_client.get(f"{url('new')}?agenda_item={item.pk}")
    response = member_client.post(url("new"), new_action(member, agenda_item=item.pk))

    assert shown.context["form"].initial.get("agenda_item") is None
    assert item.title not in text(shown)
    assert (
        "An action can come only from an item on the agenda once it is published, or from an item you proposed."
        in text(shown)
    )
    assert response.status_code == 400
    assert "An action can come only from an item on the agenda once it is published" in text(response)
    assert not Action.objects.exists()


def test_an_action_cannot_link_an_item_of_an_agenda_not_yet_published(member_client, member, drafts):
    response = member_client.post(url("new"), new_action(member, agenda_item=drafts["unpublished_item"].pk))

    assert response.status_code == 400
    assert not Action.objects.exists()


def test_a_member_may_link_their_own_declined_agenda_item(client, drafts):
    item, other = drafts["declined"], drafts["other"]
    client.force_login(other)

    form = client.get(f"{url('new')}?agenda_item={item.pk}").context["form"]
    response = client.post(url("new"), new_action(other, agenda_item=item.pk))

    assert form.initial["agenda_item"] == item.pk
    assert response.status_code == 302
    assert Action.objects.get().agenda_item == item


def test_a_decision_and_an_item_from_different_meetings_are_refused(member_client, member, decided, drafts):
    other_meeting = MeetingFactory(
        collaborative=decided["meeting"].collaborative,
        starts_at=timezone.now() - timedelta(days=60),
        agenda_published_at=timezone.now() - timedelta(days=70),
    )
    item = AgendaItem.objects.create(meeting=other_meeting, title="Elsewhere", status=AgendaItem.Status.ACCEPTED)

    response = member_client.post(url("new"), new_action(member, decision=decided["decision"].pk, agenda_item=item.pk))

    assert response.status_code == 400
    assert "The decision and the agenda item are from different meetings." in text(response)
    assert not Action.objects.exists()


@pytest.mark.parametrize("value", ["abc", "99999999"])
def test_a_bad_origin_in_the_address_says_so_plainly(member_client, value):
    response = member_client.get(f"{url('new')}?decision={value}&agenda_item={value}&meeting={value}")

    assert response.status_code == 200
    page = text(response)
    assert "An action can come only from a decision in published notes" in page
    assert "An action can come only from an item on the agenda once it is published" in page
    assert "The meeting in the link is not one of this Collaborative's." in page


def test_the_action_page_shows_only_the_origins_the_viewer_may_see(client, collaborative, member, facilitator, drafts):
    """Actions linked before the rule (or by the service directly) still do not show members what they may not see."""
    action = action_record(collaborative, by=member, title="Linked before the rule", meeting=drafts["declined"].meeting)
    action_change(
        action=action, by=member, changes={"agenda_item": drafts["declined"], "decision": drafts["withdrawn_draft"]}
    )

    client.force_login(member)
    page = text(client.get(action.get_absolute_url()))
    assert drafts["declined"].title not in page
    assert drafts["withdrawn_draft"].text not in page
    assert 'Linked it to <span class="new-value">an agenda item</span>.' in page
    assert 'Linked it to <span class="new-value">a decision</span>.' in page

    client.force_login(facilitator)
    page = text(client.get(action.get_absolute_url()))
    assert f"agenda item “{drafts['declined'].title}”" in page
    assert f"decision “{drafts['withdrawn_draft'].text}” (since withdrawn)" in page

    # A facilitator's session that has not given its two-step code sees what members see.
    client.force_login(facilitator, two_step=False)
    page = text(client.get(action.get_absolute_url()))
    assert drafts["declined"].title not in page
    assert drafts["withdrawn_draft"].text not in page


def test_the_export_leaves_out_the_origins_the_viewer_may_not_see(client, collaborative, member, facilitator, drafts):
    action = action_record(collaborative, by=member, title="Linked before the rule", meeting=drafts["declined"].meeting)
    action_change(
        action=action, by=member, changes={"agenda_item": drafts["declined"], "decision": drafts["draft_decision"]}
    )

    client.force_login(member)
    csv = b"".join(client.get(url("export_csv")).streaming_content).decode()
    assert drafts["declined"].title not in csv
    assert drafts["draft_decision"].text not in csv

    client.force_login(facilitator, two_step=False)  # Without this session's two-step code: as members see it.
    csv = b"".join(client.get(url("export_csv")).streaming_content).decode()
    assert drafts["declined"].title not in csv
    assert drafts["draft_decision"].text not in csv

    client.force_login(facilitator)
    csv = b"".join(client.get(url("export_csv")).streaming_content).decode()
    assert drafts["declined"].title in csv
    assert drafts["draft_decision"].text in csv


def test_changing_an_action_keeps_a_decision_withdrawn_since(member_client, member, decided):
    decision = decided["decision"]
    action = action_record(
        decided["meeting"].collaborative, by=member, meeting=decided["meeting"], decision=decision, title="Map them"
    )
    Decision.objects.filter(pk=decision.pk).update(withdrawn_at=timezone.now())

    form = member_client.get(url("edit", pk=action.pk)).context["form"]
    data = {**new_action(member, decision=decision.pk, meeting=decided["meeting"].pk), "title": "Map them all"}
    response = member_client.post(url("edit", pk=action.pk), data)

    assert form.initial["decision"] == decision.pk
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.decision) == ("Map them all", decision)


@pytest.fixture
def meetings(collaborative) -> dict:
    now = timezone.now()
    return {
        "before": MeetingFactory(collaborative=collaborative, starts_at=now - timedelta(days=40)),
        "last": MeetingFactory(collaborative=collaborative, starts_at=now - timedelta(days=3)),
        "next": MeetingFactory(collaborative=collaborative, starts_at=now + timedelta(days=7)),
    }


def test_a_meeting_page_lists_the_actions_it_created(member_client, collaborative, member, meetings):
    last = meetings["last"]
    action_record(collaborative, by=member, title="First from the meeting", meeting=last)
    action_record(collaborative, by=member, title="Second from the meeting", meeting=last, status="done")
    action_record(collaborative, by=member, title="From somewhere else")
    page = text(member_client.get(last.get_absolute_url()))
    section = page[page.index("Actions from this meeting") :]
    assert "First from the meeting</a>: open" in section
    assert "Second from the meeting</a>: done" in section
    assert "From somewhere else" not in section


def test_matters_arising_are_actions_due_by_or_changed_since_the_previous_meeting(
    member_client, collaborative, member, meetings
):
    last, upcoming = meetings["last"], meetings["next"]
    ten_days_ago = timezone.now() - timedelta(days=10)

    def make(title, due, updated_at=None, **fields):
        action = action_record(collaborative, by=member, title=title, due_on=TODAY + timedelta(days=due), **fields)
        if updated_at:
            Action.objects.filter(pk=action.pk).update(updated_at=updated_at)
        return action

    make("Recorded at the last meeting", 60, meeting=last)  # Changed since it: arising.
    make("Due before the next meeting", 5, updated_at=ten_days_ago)  # Due by it: arising.
    make("Overdue for weeks", -30, updated_at=ten_days_ago)  # Due by it: arising.
    make("Due long after, untouched", 60, updated_at=ten_days_ago)
    make("Done before the last meeting", 5, updated_at=ten_days_ago, status="done")
    quiet = make("Changed since the last meeting", 60, updated_at=ten_days_ago)
    action_change(action=quiet, by=member, changes={"organisation": "SLaM"})
    from_next = make("Recorded for the next meeting", 1, meeting=upcoming)

    page = text(member_client.get(upcoming.get_absolute_url()))
    section = page[page.index("Matters arising") :]
    section = section[: section.index("</section>")]
    assert f"changed since the meeting of {last.local_start:%-d %B}" in section
    for title in (
        "Recorded at the last meeting",
        "Due before the next meeting",
        "Overdue for weeks",
        "Changed since the last meeting",
    ):
        assert title in section, title
    for title in ("Due long after, untouched", "Done before the last meeting", from_next.title):
        assert title not in section, title
    # Soonest due first.
    assert section.index("Overdue for weeks") < section.index("Due before the next meeting")


def test_a_cancelled_meeting_before_is_not_the_previous_meeting(member_client, collaborative, member, meetings):
    Meeting.objects.filter(pk=meetings["last"].pk).update(status=Meeting.Status.CANCELLED)
    page = text(member_client.get(meetings["next"].get_absolute_url()))
    assert f"changed since the meeting of {meetings['before'].local_start:%-d %B}" in page


def test_a_member_of_the_collaborative_who_is_a_commissioner_proposes_too(client, collaborative):
    commissioner = MembershipFactory(collaborative=collaborative, role=Membership.Role.COMMISSIONER).user
    client.force_login(commissioner)
    response = client.post(
        url("new"), {"title": "Ask the board", "owner": commissioner.pk, "due_on": day(14), "status": "open"}
    )
    assert response.status_code == 302
    assert Action.objects.get().created_by == commissioner


def test_the_printable_agenda_has_the_matters_arising(member_client, collaborative, member, meetings):
    upcoming = meetings["next"]
    Meeting.objects.filter(pk=upcoming.pk).update(agenda_published_at=timezone.now())
    action_record(collaborative, by=member, title="Overdue for the printed agenda", due_on=TODAY - timedelta(days=9))

    page = text(member_client.get(reverse("meetings:agenda", kwargs={"slug": "lambeth", "pk": upcoming.pk})))

    assert "Matters arising" in page
    assert "Overdue for the printed agenda" in page


def test_the_notes_page_records_an_action_from_each_agenda_item(facilitator_client, decided):
    meeting, item = decided["meeting"], decided["item"]

    page = text(facilitator_client.get(reverse("meetings:notes", kwargs={"slug": "lambeth", "pk": meeting.pk})))

    notes = reverse("meetings:notes", kwargs={"slug": "lambeth", "pk": meeting.pk})
    back = f"&next={quote(notes + '#record-actions', safe='')}"  # Recorded, it comes back to the notes.
    assert f'{url("new")}?agenda_item={item.pk}{back}">Record an action from “Crisis cafes”' in page
    form = facilitator_client.get(f"{url('new')}?agenda_item={item.pk}").context["form"]
    assert (form.initial["agenda_item"], form.initial["meeting"]) == (item.pk, meeting.pk)


def test_the_overview_draws_organisations_and_goals_as_charts_beside_their_tables(client, people, collaborative):
    goal = GoalFactory(collaborative=collaborative, title="Crisis help")
    action_record(collaborative, by=people["member"], title="Ask the trust", organisation="The trust", goal=goal)
    client.force_login(people["commissioner"])

    page = text(client.get(url("dashboard")))

    for chart in ("status", "organisations", "goals"):
        assert f'aria-labelledby="{chart}-heading {chart}-summary"' in page
    assert ">The trust</tspan></text>" in page
    assert ">Crisis help</tspan></text>" in page


# Owners and lead organisations are typed, not picked from a list of every one (issue 14).


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("owner_name=ALICE&finished=on", ALICE),
        ("owner_name=ALICE", ["Crisis cafe map"]),  # With no status chosen, the live actions only.
        ("owner_name=ur", ["Housing letter", "Peer support training"]),  # Bob Burns.
        ("owner_name=nobody", []),
        ("organisation_name=lambeth", ["Crisis cafe map"]),
        ("organisation_name=sla&status=done", ["Carers' leaflet"]),
        ("organisation_name=a&owner_name=bob", ["Peer support training"]),
    ],
)
def test_a_typed_name_narrows_the_log_to_the_owners_or_organisations_it_matches(member_client, log, query, expected):
    response = member_client.get(f"{url('log')}?{query}")
    assert titles(response) == expected
    assert "There is a problem" not in text(response)


def test_the_log_lists_no_member_or_organisation_as_options(member_client, log):
    page = text(member_client.get(url("log")))
    assert "Alice Ade" in page  # As an owner in the table,
    assert '<option value="{}"'.format(log["alice"].pk) not in page  # not as a choice.
    assert '<option value="SLaM"' not in page
    assert '<input type="search" name="owner_name" id="id_owner_name"' in page
    assert '<input type="search" name="organisation_name" id="id_organisation_name"' in page


def test_an_exact_owner_or_organisation_from_a_link_shows_as_a_box_to_untick(member_client, log):
    page = text(member_client.get(f"{url('log')}?owner={log['alice'].pk}&organisation=SLaM"))
    assert f'<input type="checkbox" name="owner" value="{log["alice"].pk}" checked> Owned by Alice Ade' in page
    assert '<input type="checkbox" name="organisation" value="SLaM" checked> Led by SLaM' in page
    unfiltered = text(member_client.get(url("log")))
    assert "Owned by" not in unfiltered
    assert "Led by" not in unfiltered


def test_without_javascript_a_typed_name_lists_those_it_matches_to_choose_one(member_client, log):
    response = member_client.get(f"{url('log')}?owner_name=a&status=open&page=1")
    page = response.content.decode()
    alice, bob = log["alice"].pk, log["bob"].pk
    # Every person whose name holds "a", each a link to the log filtered by exactly them, the rest kept.
    assert f'<a href="{url("log")}?status=open&amp;owner={alice}">Alice Ade</a>' in page
    assert f'<a href="{url("log")}?status=open&amp;owner={bob}">Bob Burns</a>' not in page  # No "a" in it.
    page = member_client.get(f"{url('log')}?organisation_name=l").content.decode()
    assert f'<a href="{url("log")}?organisation=Lambeth+Council">Lambeth Council</a>' in page
    assert f'<a href="{url("log")}?organisation=SLaM">SLaM</a>' in page
    assert "No lead organisation has" in text(member_client.get(f"{url('log')}?organisation_name=zz"))


def test_the_suggestions_as_a_name_is_typed(member_client, log, collaborative):
    response = member_client.get(f"{url('owners')}?owner_name=bob&status=open&sort=title", headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert f'<a href="{url("log")}?status=open&amp;sort=title&amp;owner={log["bob"].pk}">Bob Burns</a>' in body
    assert "Alice Ade" not in body
    # How many match goes to the status line screen readers announce.
    assert 'id="owner-suggestions-status" data-hx-swap-oob="innerHTML">1 person matches: press Tab to choose.' in body
    body = text(member_client.get(f"{url('organisations')}?organisation_name=AM", headers=HTMX))
    assert ">2 organisations match: press Tab to choose.<" in body
    assert ">Lambeth Council</a>" in body
    assert ">SLaM</a>" in body
    assert ">No one matches.<" in text(member_client.get(f"{url('owners')}?owner_name=zzz", headers=HTMX))
    assert "<li>" not in text(member_client.get(f"{url('owners')}?owner_name=+", headers=HTMX))


def test_the_suggestions_stop_at_ten_and_say_there_are_more(member_client, log, collaborative):
    for n in range(12):
        MembershipFactory(collaborative=collaborative, user__display_name=f"Alex {n:02}")
        ActionFactory(collaborative=collaborative, organisation=f"Alexandra House {n:02}")
    for name in ("owners", "organisations"):
        body = text(member_client.get(f"{url(name)}?{name[:-1]}_name=alex", headers=HTMX))
        assert body.count("<li>") == 10
        assert "10 or more" in body
        assert "There are more: type more of the name." in body


def test_the_suggestions_are_only_of_the_collaborative(member_client, log, other_collaborative):
    stranger = MembershipFactory(collaborative=other_collaborative, user__display_name="Alice Stranger").user
    ActionFactory(collaborative=other_collaborative, owner=stranger, organisation="Luton Lambeth Trust")
    assert "Stranger" not in text(member_client.get(f"{url('owners')}?owner_name=alice", headers=HTMX))
    assert "Luton" not in text(member_client.get(f"{url('organisations')}?organisation_name=lambeth", headers=HTMX))
    response = member_client.get(f"{url('log')}?owner={stranger.pk}&finished=on")
    assert "Owner: Select a valid choice." in text(response)
    assert titles(response) == ALL


def test_someone_who_has_left_is_still_found_by_name_with_their_actions(member_client, log):
    Membership.objects.filter(user=log["bob"]).update(status=Membership.Status.LEFT, left_at=timezone.now())
    body = text(member_client.get(f"{url('owners')}?owner_name=bob", headers=HTMX))
    assert ">Bob Burns (has left)</a>" in body
    assert titles(member_client.get(f"{url('log')}?owner={log['bob'].pk}")) == [
        "Housing letter",
        "Peer support training",
    ]


def test_the_meeting_filter_offers_the_latest_meetings_with_actions_and_the_one_chosen(
    member_client, log, collaborative
):
    from actions.forms import MEETINGS_OFFERED

    old = log["meetings"][0]
    for days in range(MEETINGS_OFFERED + 2):
        meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=days + 1))
        ActionFactory(collaborative=collaborative, meeting=meeting)
    MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=2, hours=1))  # No actions.
    options = member_client.get(url("log")).context["form"].options["meeting"]
    offered = [value for value, _label, _chosen in options if value]
    assert len(offered) == MEETINGS_OFFERED
    assert old.pk not in [int(str(value)) for value in offered]
    page = text(member_client.get(f"{url('log')}?meeting={old.pk}"))
    assert f'<option value="{old.pk}" selected>' in page
    assert titles(member_client.get(f"{url('log')}?meeting={old.pk}")) == ["Crisis cafe map"]


def test_without_htmx_the_suggestions_are_a_page_of_their_own(member_client, log):
    response = member_client.get(f"{url('owners')}?owner_name=ali")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Find an owner</h1>" in page
    assert f'<a href="{url("log")}?owner={log["alice"].pk}">Alice Ade</a>' in page
    assert "data-hx-swap-oob" not in page
    assert "<h1>Find a lead organisation</h1>" in text(member_client.get(url("organisations")))


def test_each_row_of_the_log_shows_its_link_due_date_status_and_latest_update(member_client, collaborative, member):
    """The rows are worked out in the view (actions.views._log_rows), as the template's filters wrote them."""
    action = ActionFactory(
        collaborative=collaborative,
        title="Map the crisis cafes",
        due_on=date(TODAY.year - 2, 3, 5),
        status=Action.Status.IN_PROGRESS,
        status_reason="",
    )
    words = " ".join(f"word{n}" for n in range(25))
    # Half past eleven at night in UTC on 30 June is already 1 July in London, where the page shows days.
    moment = datetime(TODAY.year - 1, 6, 30, 23, 30, tzinfo=UTC)
    ActionUpdate.objects.create(
        action=action, author=member, text="Older words.", created_at=moment - timedelta(days=1)
    )
    ActionUpdate.objects.create(action=action, author=member, text=words, created_at=moment)
    page = text(member_client.get(url("log")))
    assert f'<a href="{action.get_absolute_url()}">Map the crisis cafes</a>' in page
    overdue = '<strong class="flag">Overdue</strong>'
    assert f'<time datetime="{TODAY.year - 2}-03-05">5 Mar {TODAY.year - 2}</time> {overdue}' in page
    assert '<td data-label="Status">In progress</td>' in page
    assert f'{" ".join(words.split()[:20])} … <span class="note">(1 Jul)</span>' in page
    assert "Older words." not in page
