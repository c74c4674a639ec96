"""Pages with parts kept ready-made (collaborative.freshness) show each viewer exactly what that viewer would
see with nothing cached, whoever asked before them, and show every change at once, however it was made.

Each page in PAGES is asked for by four people (two members, a facilitator, a commissioner) with an
empty cache, then again with the cache warmed by all of them: the HTML must be the same (but for the
CSRF token). Then the data is changed by a bulk update (no signal, no save()), and the page must show it.
A hit must also read less than a miss, or the page would not be cached at all and these tests would prove
nothing."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.services import action_change
from meetings.models import AgendaItem, Attendance, Decision, Meeting, Rsvp
from meetings.services import agenda_item_propose, agenda_publish, rsvp_set
from members.models import Membership, User, Visibility
from members.services import ground_rules_accept, ground_rules_change
from tests.factories import (
    CollaborativeFactory,
    GoalFactory,
    JoinRequestFactory,
    MeetingFactory,
    MembershipFactory,
    ValueFactory,
    VenueFactory,
    VisionVersionFactory,
    action_record,
)
from tests.vision.rounds import close_early
from vision.models import KeyRole, Rating, Round, RoundStatement, Value, VisionVersion
from vision.services import answers_save, contribution_add, round_counted, round_open, version_adopt, version_draft

pytestmark = pytest.mark.django_db

VIEWERS = ("member", "other_member", "facilitator", "commissioner")
TOKENS = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')


@dataclass
class Page:
    address: Callable[[dict], str]
    change: Callable[[dict], str]  # Changes the data by a bulk write; returns the text the page must now show.
    viewers: tuple[str, ...] = VIEWERS
    # Adds to the world what this page needs beyond world_of()'s rows (meetings, a round…), if anything.
    build: Callable[[dict], None] | None = None


def _log(world) -> str:
    return reverse("actions:log", kwargs={"slug": world["collaborative"].slug})


def _retitle_actions(world) -> str:
    Action.objects.filter(collaborative=world["collaborative"]).update(title="Retitled by a bulk update")
    return "Retitled by a bulk update"


def _rename_people(world) -> str:
    User.objects.filter(pk=world["member"].pk).update(display_name="Renamed Bulkwise")
    return "Renamed Bulkwise"


PAGES = {
    "action log": Page(_log, _retitle_actions),
    "action log, owner renamed": Page(_log, _rename_people),
    "action log, filtered": Page(lambda world: _log(world) + "?status=open&sort=title&overdue=on", _retitle_actions),
}


# The vision page and a closed self-assessment round's results.


def _vision(world) -> str:
    return reverse("vision:home", kwargs={"slug": world["collaborative"].slug})


def _with_vision(world) -> None:
    """An adopted vision with a value, and a draft of the next one that a member has commented on."""
    collaborative, facilitator = world["collaborative"], world["facilitator"]
    values = [("Equal voices", "A carer's view counts as much as a chief officer's.")]
    adopted = version_draft(collaborative=collaborative, by=facilitator, statement="Help is here.", values=values)
    version_adopt(version=adopted, by=facilitator)
    draft = version_draft(collaborative=collaborative, by=facilitator, statement="Help is near.", values=values)
    contribution_add(version=draft, author=world["member"], text="Say more about carers.")


def _reword_vision(world) -> str:
    VisionVersion.objects.filter(collaborative=world["collaborative"]).update(statement="Reworded by a bulk update")
    return "Reworded by a bulk update"


def _rename_values(world) -> str:
    Value.objects.filter(version__collaborative=world["collaborative"]).update(name="Renamed by a bulk update")
    return "Renamed by a bulk update"


def _first_vision(world) -> str:
    """A first version, adopted, put in by a bulk insert (as a data migration or the shell might)."""
    VisionVersion.objects.bulk_create(
        [
            VisionVersion(
                collaborative=world["collaborative"],
                number=1,
                statement="Written by a bulk insert",
                status=VisionVersion.Status.ADOPTED,
                adopted_at=timezone.now(),
            )
        ]
    )
    return "Written by a bulk insert"


def _results(world) -> str:
    round = Round.objects.get(collaborative=world["collaborative"])
    return reverse("vision:round", kwargs={"slug": world["collaborative"].slug, "pk": round.pk})


def _with_closed_round(world) -> None:
    """A round that six people answered (one with a comment), closed and counted."""
    collaborative, facilitator = world["collaborative"], world["facilitator"]
    more = [MembershipFactory(collaborative=collaborative).user for _ in range(2)]
    round = round_open(
        collaborative=collaborative,
        by=facilitator,
        title="Spring",
        closing_day=collaborative.local_today() + timedelta(days=7),
    )
    statements = list(round.statements.all())
    for number, person in enumerate([world[viewer] for viewer in VIEWERS] + more):
        comment = "The carers' group made a real difference." if number == 0 else ""
        answers_save(round=round, user=person, answers={s.pk: (Rating.STRONG, comment) for s in statements})
    round_counted(round=close_early(round, facilitator))


def _reword_statements(world) -> str:
    RoundStatement.objects.filter(round__collaborative=world["collaborative"]).update(text="Reworded by a bulk update")
    return "Reworded by a bulk update"


def _retitle_key_roles(world) -> str:
    KeyRole.objects.filter(collaborative=world["collaborative"]).update(title="Retitled by a bulk update")
    return "Retitled by a bulk update"


PAGES |= {
    "vision": Page(_vision, _reword_vision, build=_with_vision),
    "vision, values renamed": Page(_vision, _rename_values, build=_with_vision),
    "vision, none yet": Page(_vision, _first_vision),
    "round results": Page(_results, _reword_statements, build=_with_closed_round),
    "round results, key roles retitled": Page(_results, _retitle_key_roles, build=_with_closed_round),
}


# The meetings list and a meeting's page (templates/meetings/meeting_list.html and meeting_detail.html).


def _meetings_world(world) -> None:
    """Two meetings to come and two past. The next has answers from all four viewers (the last to answer is on
    the waiting list; one coming has needs), a published agenda and an item the member proposed; the last one
    past has published notes, a decision and a register."""
    collaborative, facilitator = world["collaborative"], world["facilitator"]
    venue = VenueFactory(collaborative=collaborative, capacity=3)
    now = timezone.now()
    world["next_meeting"], later, past, _ = (
        MeetingFactory(collaborative=collaborative, venue=venue, starts_at=now + timedelta(days=days))
        for days in (3, 33, -27, -57)
    )
    User.objects.filter(pk=world["other_member"].pk).update(access_needs=["dietary"], access_needs_other="No nuts")
    for viewer in VIEWERS:
        rsvp_set(meeting=world["next_meeting"], user=world[viewer], answer=Rsvp.Answer.COMING)
    rsvp_set(meeting=later, user=world["member"], answer=Rsvp.Answer.MAYBE)
    agenda_item_propose(meeting=world["next_meeting"], by=facilitator, title="Crisis cafe hours", accept=True)
    agenda_item_propose(meeting=world["next_meeting"], by=world["member"], title="Bus fares to the cafe")
    agenda_publish(meeting=world["next_meeting"], by=facilitator)
    item = AgendaItem.objects.create(
        meeting=past, title="Peer support", status=AgendaItem.Status.ACCEPTED, notes="Went well."
    )
    Decision.objects.create(meeting=past, agenda_item=item, text="Meet at the library too.", recorded_by=facilitator)
    Attendance.objects.create(meeting=past, user=world["member"], marked_by=facilitator)
    Meeting.objects.filter(pk=past.pk).update(notes_published_at=now - timedelta(days=26), general_notes="Tea.")
    world["past_meeting"] = past


def _meetings(world) -> str:
    return reverse("meetings:list", kwargs={"slug": world["collaborative"].slug})


def _meeting(which: str) -> Callable[[dict], str]:
    return lambda world: world[which].get_absolute_url()


def _retitle_meetings(world) -> str:
    Meeting.objects.filter(collaborative=world["collaborative"]).update(title="Retitled by a bulk update")
    return "Retitled by a bulk update"


def _retitle_agenda(world) -> str:
    AgendaItem.objects.filter(status=AgendaItem.Status.ACCEPTED).update(title="On the agenda by a bulk update")
    return "On the agenda by a bulk update"


def _nobody_coming(world) -> str:
    Rsvp.objects.filter(meeting=world["next_meeting"]).update(answer=Rsvp.Answer.NOT_COMING, waiting=False)
    return "0 coming, 0 maybe, 4 can't come."


def _member_cannot_come(world) -> str:
    Rsvp.objects.filter(user=world["member"]).update(answer=Rsvp.Answer.NOT_COMING, waiting=False)
    return "You said: can't come."


def _decide_again(world) -> str:
    Decision.objects.update(text="Decided again by a bulk update")
    return "Decided again by a bulk update"


PAGES |= {
    "meetings list": Page(_meetings, _retitle_meetings, build=_meetings_world),
    "meetings list, answers changed": Page(_meetings, _member_cannot_come, build=_meetings_world),
    "the next meeting's page": Page(_meeting("next_meeting"), _retitle_agenda, build=_meetings_world),
    "the next meeting's page, answers changed": Page(_meeting("next_meeting"), _nobody_coming, build=_meetings_world),
    "the next meeting's page, matters arising": Page(_meeting("next_meeting"), _retitle_actions, build=_meetings_world),
    "a past meeting's page": Page(_meeting("past_meeting"), _decide_again, build=_meetings_world),
    "a past meeting's page, agenda": Page(_meeting("past_meeting"), _retitle_agenda, build=_meetings_world),
}


# An action's page and the actions overview (actions:detail, actions:dashboard).


def _build_action(world) -> None:
    """An action with everything its page shows: an owner (the member), a supporter (the other member), a goal,
    the meeting and the draft decision it came from, and in its history an agenda item that only the member who
    proposed it and the facilitator may see."""
    collaborative = world["collaborative"]
    meeting = MeetingFactory(collaborative=collaborative)
    proposed = AgendaItem.objects.create(meeting=meeting, title="Sunday opening", proposed_by=world["member"])
    action = action_record(
        collaborative,
        by=world["facilitator"],
        owner=world["member"],
        supporters=[world["other_member"]],
        title="Ask the council about Sundays",
        description="Who would pay for the staff.",
        organisation="Lambeth Council",
        goal=GoalFactory(collaborative=collaborative),
        meeting=meeting,
        decision=Decision.objects.create(meeting=meeting, text="Open the cafe on Sundays from March."),
    )
    action_change(action=action, by=world["facilitator"], changes={"agenda_item": proposed})
    world["action"] = action


def _action(world) -> str:
    return reverse("actions:detail", kwargs={"slug": world["collaborative"].slug, "pk": world["action"].pk})


def _overview(world) -> str:
    return reverse("actions:dashboard", kwargs={"slug": world["collaborative"].slug})


def _rename_organisations(world) -> str:
    Action.objects.filter(collaborative=world["collaborative"]).update(organisation="Bulkwise Trust")
    return "Bulkwise Trust"


PAGES |= {
    "action page": Page(_action, _retitle_actions, build=_build_action),
    "action page, owner renamed": Page(_action, _rename_people, build=_build_action),
    "actions overview": Page(_overview, _rename_organisations, viewers=("facilitator", "commissioner")),
}

# End of an action's page and the actions overview.


# The Collaborative's home page, "Who's at the table" and the members directory (home and members apps).


def _home(world) -> str:
    return reverse("home:collaborative_home", kwargs={"slug": world["collaborative"].slug})


def _table(world) -> str:
    return reverse("home:at_the_table", kwargs={"slug": world["collaborative"].slug})


def _directory(world) -> str:
    return reverse("members:directory", kwargs={"slug": world["collaborative"].slug})


def _people_and_meetings(world) -> None:
    """What the home page, the table and the directory show: a meeting to come that the member answered, one
    that has taken place, with who came; an adopted vision, a goal due for review, a join request waiting, the
    ground rules the other member agreed to; and profiles shared with members, with facilitators only and with
    nobody (the member's own perspectives and organisation among them), so that each viewer sees and counts
    others differently."""
    collaborative, visibility = world["collaborative"], Visibility
    member, other = world["member"], world["other_member"]
    User.objects.filter(pk=member.pk).update(
        perspectives=["carer"],
        perspectives_visibility=visibility.NOBODY,
        organisation="Carers Together",
        organisation_type="carer_user_led",
        organisation_visibility=visibility.FACILITATORS,
    )
    User.objects.filter(pk=world["facilitator"].pk).update(
        perspectives=["practitioner"], perspectives_visibility=visibility.FACILITATORS
    )
    carers = []
    for number in range(7):
        carers.append(
            MembershipFactory(
                collaborative=collaborative,
                user__perspectives=["carer", "lived_experience"],
                user__perspectives_visibility=visibility.MEMBERS if number < 4 else visibility.FACILITATORS,
                user__organisation=f"Cafe {number}",
                user__organisation_type="voluntary",
                user__organisation_visibility=visibility.FACILITATORS if number % 2 else visibility.MEMBERS,
            ).user
        )
    past = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=7))
    Attendance.objects.bulk_create(Attendance(meeting=past, user=user) for user in [member, *carers])
    coming = MeetingFactory(collaborative=collaborative)
    rsvp_set(meeting=coming, user=member, answer=Rsvp.Answer.MAYBE)
    version = VisionVersionFactory(
        collaborative=collaborative, status=VisionVersion.Status.ADOPTED, adopted_at=timezone.now()
    )
    ValueFactory(version=version, name="Listening first")
    GoalFactory(collaborative=collaborative, review_on=timezone.localdate() - timedelta(days=1))
    JoinRequestFactory(collaborative=collaborative)
    ground_rules_change(collaborative=collaborative, text="Listen first.", by=world["facilitator"])
    ground_rules_accept(membership=Membership.objects.get(collaborative=collaborative, user=other))


def _rewrite_vision(world) -> str:
    VisionVersion.objects.filter(collaborative=world["collaborative"]).update(statement="Rewritten by a bulk update")
    return "Rewritten by a bulk update"


def _change_answers(world) -> str:
    Rsvp.objects.filter(user=world["member"]).update(answer=Rsvp.Answer.NOT_COMING)
    return "You said: can&#x27;t come."


def _everyone_a_commissioner(world) -> str:
    everyone = Membership.objects.filter(collaborative=world["collaborative"]).values("user_id")
    User.objects.filter(pk__in=everyone).update(
        perspectives=["commissioner"], perspectives_visibility=Visibility.MEMBERS
    )
    return '<th scope="row">Commissioner</th><td data-label="Members">11</td>'


def _no_carers(world) -> str:
    _everyone_a_commissioner(world)
    return "No one matches."


def _all_overdue(world) -> str:
    """The member's actions all overdue: "Things to do" counts them (issue 15, item 3)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    Action.objects.filter(collaborative=world["collaborative"], owner=world["member"]).update(due_on=yesterday)
    return "3 of your actions are overdue"


PAGES |= {
    "home": Page(_home, _retitle_actions, build=_people_and_meetings),
    "home, things to do": Page(_home, _all_overdue, build=_people_and_meetings),
    "home, vision rewritten": Page(_home, _rewrite_vision, build=_people_and_meetings),
    "home, answer changed": Page(_home, _change_answers, build=_people_and_meetings),
    "who's at the table": Page(_table, _everyone_a_commissioner, build=_people_and_meetings),
    "directory": Page(_directory, _rename_people, build=_people_and_meetings),
    "directory, carers": Page(
        lambda world: _directory(world) + "?perspective=carer", _no_carers, build=_people_and_meetings
    ),
}


# End of the home page, "Who's at the table" and the members directory.


def world_of() -> dict:
    collaborative = CollaborativeFactory(slug="fresh", name="Fresh Living Well")
    role = Membership.Role
    world = {"collaborative": collaborative, "clients": {}}
    for name, kind in (
        ("member", role.MEMBER),
        ("other_member", role.MEMBER),
        ("facilitator", role.FACILITATOR),
        ("commissioner", role.COMMISSIONER),
    ):
        world[name] = MembershipFactory(collaborative=collaborative, role=kind).user
    for number in range(3):
        action_record(
            collaborative,
            by=world["member"],
            title=f"Open the crisis cafe on Sundays {number}",
            due_on=timezone.localdate() + timedelta(days=10 * number - 5),
        )
    return world


@pytest.fixture
def world(db) -> dict:
    return world_of()


def _new_cache(settings) -> None:
    caches = {name: dict(config) for name, config in django_settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


def _get(world, viewer: str, address: str) -> tuple[str, int]:
    client = world["clients"].get(viewer)
    if client is None:  # Signed in once: signing in writes (the time of it), which changes the data's version.
        client = world["clients"][viewer] = Client()
        client.force_login(world[viewer])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200, (viewer, address, response.status_code)
    return TOKENS.sub(r"\1…\"", response.content.decode()), len(queries)


@pytest.mark.parametrize("name", PAGES)
def test_each_viewer_sees_what_they_would_see_with_nothing_cached(name, world, settings):
    page = PAGES[name]
    if page.build:
        page.build(world)
    address = page.address(world)
    afresh = {}
    for viewer in page.viewers:
        _get(world, viewer, address)
        _new_cache(settings)
        afresh[viewer] = _get(world, viewer, address)
    _new_cache(settings)
    for _round in range(2):
        for viewer in page.viewers:
            html, queries = _get(world, viewer, address)
            assert html == afresh[viewer][0], f"{viewer} was shown another viewer's page"
    assert queries < afresh[page.viewers[-1]][1], "a cached page read as much as one made afresh"


@pytest.mark.parametrize("name", PAGES)
def test_a_change_made_any_way_shows_at_once(name, world, settings):
    page = PAGES[name]
    if page.build:
        page.build(world)
    address = page.address(world)
    viewer = page.viewers[0]
    before, _ = _get(world, viewer, address)
    assert _get(world, viewer, address)[0] == before
    shown = page.change(world)
    after, _ = _get(world, viewer, address)
    assert shown in after
    assert shown not in before
    _new_cache(settings)
    assert after == _get(world, viewer, address)[0]


def _cache_named(settings, name: str) -> None:
    caches = {key: dict(config) for key, config in django_settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = name
    settings.CACHES = caches


def _the_short_meeting(world) -> str:
    """The page of the meeting the test below makes last (what it shows changes as it starts and ends)."""
    return Meeting.objects.latest("pk").get_absolute_url()


@pytest.mark.parametrize("address", [_home, _table, _the_short_meeting])
def test_a_meeting_starting_or_ending_shows_at_once_with_no_change_to_the_data(address, world, settings, monkeypatch):
    """A meeting that starts (no more "Are you coming?") or ends (who came now counts) changes the home page and
    the table with nothing written: the parts that show it are never kept from before to after (home.views)."""
    _people_and_meetings(world)
    collaborative = world["collaborative"]
    quarter = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)  # A quarter hour's start.
    short = MeetingFactory(
        collaborative=collaborative, starts_at=quarter + timedelta(minutes=5), ends_at=quarter + timedelta(minutes=10)
    )
    managers = [
        MembershipFactory(collaborative=collaborative, user__perspectives=["manager"]).user for _number in range(3)
    ]
    Attendance.objects.bulk_create(Attendance(meeting=short, user=user) for user in managers)
    shared, seen = f"test-{uuid.uuid4().hex}", {}
    for minutes in (3, 7, 12):  # Before the meeting, during it, after it: all in one quarter hour.
        monkeypatch.setattr(timezone, "now", lambda minutes=minutes: quarter + timedelta(minutes=minutes))
        _new_cache(settings)
        afresh, _ = _get(world, "member", address(world))
        _cache_named(settings, shared)
        kept, _ = _get(world, "member", address(world))
        assert kept == afresh, f"{minutes} minutes in, the page was shown as it was earlier"
        seen[minutes] = afresh
    assert seen[3] != seen[12]
