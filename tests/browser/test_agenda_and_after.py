"""A facilitator on a laptop (1280 px) corrects a published agenda and, after a meeting, finds the register and
notes first and records an action from a decision (issue 15, items 10 and 12). axe on every page visited."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from actions.models import Action
from meetings.emails import AGENDA_PUBLISHED, RSVP_ASKED
from meetings.models import AgendaItem, Attendance, Decision, Venue
from meetings.services import agenda_item_propose, agenda_publish, meeting_schedule, notes_publish
from members.models import Membership
from notifications.models import Message
from tests.browser.conftest import sign_in
from tests.browser.test_meetings import heading
from tests.factories import MembershipFactory
from tests.meetings.test_notes import meeting_days_ago

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}


def named(label: str, title: str) -> re.Pattern:
    """A button or link with a visually hidden title: Chromium may put a space before it ("Change : Welcome")."""
    return re.compile(rf"^{re.escape(label)} ?: {re.escape(title)}$")


def agenda_titles(page: Page) -> list[str]:
    return page.locator(".agenda-list > li > strong").all_inner_texts()


def test_a_facilitator_corrects_a_published_agenda_and_tells_members_once(new_page, axe, collaborative):
    grace = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Grace Okafor"
    ).user
    kit = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe on the Green", address="1 High Street")
    meeting = meeting_schedule(
        collaborative=collaborative,
        by=grace,
        day=timezone.localdate() + timedelta(days=10),
        start=time(10),
        end=time(12),
        venue=venue,
    )
    for title, minutes in [("Welcome", 10), ("Crisis care", 45), ("Bus fares", 20)]:
        agenda_item_propose(meeting=meeting, by=grace, title=title, minutes=minutes, accept=True)
    agenda_publish(meeting=meeting, by=grace)
    told = Message.objects.filter(kind=AGENDA_PUBLISHED.key, recipient=kit).count()

    page = new_page(viewport=LAPTOP)
    page.goto("/")
    sign_in(page, grace.email)
    page.goto(meeting.get_absolute_url())
    agenda = page.get_by_role("region", name="Agenda")
    expect(agenda).to_contain_text("Agenda: 75 of 120 minutes.")
    expect(agenda).to_contain_text("If you change it, you can tell members again.")
    expect(agenda.get_by_role("link", name="Publish the changes and tell members again")).to_have_count(0)
    axe(page)

    # Who has not said whether they are coming, and one reminder for them all (issue 15, item 9).
    numbers = page.get_by_role("region", name="Who is coming")
    expect(numbers).to_contain_text("Not said yet (2): Grace Okafor, Kit Walsh")
    page.get_by_role("button", name="Remind those who have not said").click()
    expect(page.locator(".messages")).to_have_text("2 members who had not said are being asked by email.")
    page.get_by_role("button", name="Remind those who have not said").click()
    expect(page.locator(".messages")).to_have_text(
        "Everyone who has not said has been asked already: no one is asked twice."
    )
    assert Message.objects.filter(kind=RSVP_ASKED.key, recipient=kit).count() == 1
    axe(page)

    # Longer, and placed first.
    agenda.get_by_role("link", name=named("Change", "Crisis care")).click()
    expect(heading(page, "Change the agenda item")).to_be_visible()
    axe(page)
    page.get_by_label("How many minutes (optional)").fill("90")
    page.get_by_label("Where on the agenda").select_option(label="First, before the others")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.locator(".messages")).to_have_text("“Crisis care” is changed.")
    assert agenda_titles(page) == ["Crisis care", "Welcome", "Bus fares"]
    expect(agenda).to_contain_text("Agenda: 120 of 120 minutes.")
    axe(page)

    # A new item, placed after the welcome: now over time, and said plainly.
    agenda.get_by_role("link", name="Add an item").click()
    expect(heading(page, "Add an agenda item")).to_be_visible()
    page.get_by_label("What it is about").fill("Minutes of the last meeting")
    page.get_by_label("How many minutes (optional)").fill("5")
    page.get_by_label("Where on the agenda").select_option(label="After 2. Welcome")
    axe(page)
    page.get_by_role("button", name="Add it to the agenda").click()
    assert agenda_titles(page) == ["Crisis care", "Welcome", "Minutes of the last meeting", "Bus fares"]
    expect(agenda).to_contain_text("Agenda: 125 of 120 minutes. That is 5 minutes more than the meeting has")
    axe(page)

    # Taken off, asked first; kept, and it could be put back.
    agenda.get_by_role("link", name=named("Take off", "Bus fares")).click()
    expect(heading(page, "Take “Bus fares” off the agenda?")).to_be_visible()
    axe(page)
    page.get_by_label("Why (optional)").fill("The council has answered already.")
    page.get_by_role("button", name="Take it off the agenda").click()
    expect(page.locator(".messages")).to_have_text("“Bus fares” is taken off the agenda. You can put it back.")
    assert agenda_titles(page) == ["Crisis care", "Welcome", "Minutes of the last meeting"]
    expect(agenda.get_by_role("button", name=named("Put it back", "Bus fares"))).to_be_visible()
    expect(agenda).to_contain_text("Agenda: 105 of 120 minutes.")
    assert AgendaItem.objects.get(title="Bus fares").status == AgendaItem.Status.REMOVED
    axe(page)

    # Telling members: asked first, saying what changed and who is emailed.
    agenda.get_by_role("link", name="Publish the changes and tell members again").click()
    expect(heading(page, "Publish the changes to the agenda?")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("“Crisis care”: changed and moved")
    expect(main).to_contain_text("“Minutes of the last meeting”: new on the agenda")
    expect(main).to_contain_text("“Bus fares”: taken off the agenda")
    expect(main).to_contain_text("Living Well Collaborative now (2 members) is emailed the agenda again")
    axe(page)
    assert Message.objects.filter(kind=AGENDA_PUBLISHED.key, recipient=kit).count() == told
    page.get_by_role("button", name="Publish the changes and tell members").click()
    expect(page.locator(".messages")).to_have_text("The changed agenda is published. Members are being told by email.")
    expect(agenda.get_by_role("link", name="Publish the changes and tell members again")).to_have_count(0)
    axe(page)
    assert Message.objects.filter(kind=AGENDA_PUBLISHED.key, recipient=kit).count() == told + 1


def test_a_facilitator_after_the_meeting_finds_the_register_and_notes_first(new_page, axe, collaborative):
    grace = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Grace Okafor"
    ).user
    kit = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    sam = MembershipFactory(collaborative=collaborative, user__display_name="Sam Patel").user
    meeting = meeting_days_ago(collaborative, 3, guests=2)
    for person in (kit, sam):
        Attendance.objects.create(meeting=meeting, user=person, marked_by=grace)
    item = AgendaItem.objects.create(
        meeting=meeting, title="Waiting times", status=AgendaItem.Status.ACCEPTED, position=1, notes="Six months."
    )
    decision = Decision.objects.create(
        meeting=meeting, agenda_item=item, text="Write to the trust about waiting times.", recorded_by=grace
    )
    notes_publish(meeting=meeting, by=grace)

    page = new_page(viewport=LAPTOP)
    page.goto("/")
    sign_in(page, grace.email)
    page.goto(meeting.get_absolute_url())
    main = page.get_by_role("main")
    # The register and the notes first, before the agenda.
    first = main.get_by_role("heading", level=2).first
    expect(first).to_have_text("On the day and after")
    came = page.get_by_role("region", name="Who came")
    expect(came).to_contain_text("2 members came, and 2 guests.")
    expect(came).to_contain_text("Came: Kit Walsh, Sam Patel")
    expect(main).not_to_contain_text("Catering")
    expect(main).not_to_contain_text("Who is coming")
    expect(page.get_by_role("region", name="Agenda")).not_to_contain_text("published")
    axe(page)

    page.get_by_role("link", name="Write the notes and decisions").click()
    expect(heading(page, re.compile(r"^Notes: "))).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Record an action ?from the decision")).click()
    expect(heading(page, "Propose an action")).to_be_visible()
    expect(page.get_by_label("What will be done")).to_have_value(decision.text)
    axe(page)
    page.get_by_role("button", name="Record the action").click()

    expect(heading(page, re.compile(r"^Notes: "))).to_be_visible()
    expect(page.locator(".messages")).to_have_text(
        "The action “Write to the trust about waiting times.” has been recorded. It is on the action log."
    )
    axe(page)
    assert Action.objects.get().decision == decision
