"""The meeting from first to last in the browser: a facilitator schedules a year of monthly
meetings; a member at phone width says they are coming from the home page; on the day the
facilitator publishes an agenda, takes the register with one tap per person (htmx, no page
load) and writes and publishes the notes and a decision; the member reads them on the
meeting page. axe runs on every page visited."""

import re
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.emails import NOTES_PUBLISHED
from meetings.models import Attendance, Decision, Meeting, Rsvp, Venue
from members.models import Membership
from notifications.models import Message
from tests.browser.conftest import sign_in
from tests.browser.test_meetings import LAMBETH, PHONE, expected_meetings, heading
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser


def came(name: str) -> re.Pattern:
    """A register button's name. Chromium puts a space before the visually hidden part ("Came : Kit"),
    and the style sheet a tick before a pressed button's label."""
    return re.compile(rf"^(✓ )?Came ?: {re.escape(name)}$")


def the_day_comes(meeting: Meeting) -> Meeting:
    """Move the meeting to earlier today, in the Collaborative's time: it has begun."""
    zone = ZoneInfo(meeting.collaborative.time_zone)
    now = timezone.now()
    midnight = datetime.combine(timezone.localdate(now, zone), clock(0), zone)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=max(now - timedelta(minutes=30), midnight), ends_at=now + timedelta(hours=2)
    )
    return Meeting.objects.get(pk=meeting.pk)


def test_a_meeting_from_scheduling_to_published_notes(new_page, axe, collaborative, mailoutbox):
    grace = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Grace Okafor"
    ).user
    kit = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    sam = MembershipFactory(collaborative=collaborative, user__display_name="Sam Patel").user
    Venue.objects.create(collaborative=collaborative, name="Cafe on the Green", address="1 High Street", capacity=20)

    # A year of monthly meetings.
    page = new_page()
    page.goto("/")
    sign_in(page, grace.email)
    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Meetings").click()
    page.get_by_role("link", name="Set up monthly meetings").click()
    expect(heading(page, "Set up monthly meetings")).to_be_visible()
    axe(page)
    page.get_by_label("Which week of the month").select_option(label="Second")
    page.get_by_label("Day of the week").select_option(label="Thursday")
    page.get_by_label("Starting from the month of").fill(timezone.localdate().isoformat())
    page.get_by_label("For how many months").fill("12")
    page.get_by_label("Starts at").fill("10:00")
    page.get_by_label("Ends at").fill("12:30")
    page.get_by_role("radio", name="In person", exact=True).check()
    page.get_by_label("Where (for meeting in person)").select_option(label="Cafe on the Green")
    page.get_by_role("button", name="Set up the meetings").click()
    count = expected_meetings()
    expect(page.get_by_role("status")).to_have_text(f"{count} meetings have been scheduled.")
    expect(page.get_by_role("main").get_by_role("listitem")).to_have_count(count)
    axe(page)
    first = Meeting.objects.order_by("starts_at").first()
    assert Meeting.objects.count() == count

    # A member at phone width says they are coming, from the home page.
    phone = new_page(viewport=PHONE)
    phone.goto("/")
    sign_in(phone, kit.email)
    expect(heading(phone, LAMBETH)).to_be_visible()
    next_meeting = phone.get_by_role("region", name="Next meeting")
    expect(next_meeting.get_by_role("link", name=re.compile(rf"^{first.local_start:%A} "))).to_be_visible()
    axe(phone)
    next_meeting.get_by_role("button", name="Coming").click()
    expect(next_meeting.get_by_role("button", name="Coming")).to_have_attribute("aria-pressed", "true")
    expect(next_meeting.get_by_role("status")).to_contain_text("You said: coming.")
    axe(phone)
    assert Rsvp.objects.get(user=kit).answer == Rsvp.Answer.COMING

    # The day comes. The facilitator adds an item and publishes the agenda.
    first = the_day_comes(first)
    page.goto(first.get_absolute_url())
    expect(heading(page, "Monthly meeting")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Add an item").click()
    expect(heading(page, "Add an agenda item")).to_be_visible()
    axe(page)
    page.get_by_label("What it is about").fill("Waiting times for talking therapies")
    page.get_by_role("button", name="Add it to the agenda").click()
    expect(page.get_by_role("status")).to_have_text("The item is on the agenda.")
    page.get_by_role("button", name="Publish the agenda and tell members").click()
    agenda = page.get_by_role("region", name="Agenda")
    expect(agenda).to_contain_text("Waiting times for talking therapies")
    expect(agenda).not_to_contain_text("Not published yet")
    axe(page)

    # The register: one tap each, in place.
    page.get_by_role("link", name="Take the register").click()
    expect(heading(page, re.compile(r"^Register: "))).to_be_visible()
    axe(page)
    page.evaluate("window.stillTheSamePage = true")
    for person in (kit, sam):
        page.get_by_role("button", name=came(person.display_name)).click()
        expect(page.get_by_role("button", name=came(person.display_name))).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#came-count")).to_have_text("2")
    expect(page.get_by_role("button", name=came("Grace Okafor"))).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.stillTheSamePage") is True
    axe(page)
    assert set(Attendance.objects.filter(meeting=first, attended=True).values_list("user", flat=True)) == {
        kit.pk,
        sam.pk,
    }
    page.get_by_label("Guests who came").fill("2")
    page.get_by_role("button", name="Save the number of guests").click()
    expect(page.get_by_role("status")).to_have_text("The number of guests is saved.")
    expect(page.get_by_role("main")).to_contain_text("2 marked so far, and 2 guests.")
    axe(page)

    # The notes, in Markdown, and a decision; then publish.
    page.get_by_role("link", name="Back to the meeting").click()
    page.get_by_role("link", name="Write the notes and decisions").click()
    expect(heading(page, re.compile(r"^Notes: "))).to_be_visible()
    axe(page)
    page.get_by_label("1. Waiting times for talking therapies").fill(
        "Waits are **six months**.\n\n- Ask the trust\n- Share [the survey](https://example.org/survey)"
    )
    page.get_by_label("Other notes").fill("Thanks to the cafe for the tea.")
    page.get_by_role("button", name="Save the notes").click()
    expect(page.get_by_role("status")).to_have_text("The notes are saved. Members see them once you publish.")
    axe(page)
    page.get_by_label("What was decided").fill("Write to the trust about waiting times.")
    page.get_by_label("Under which agenda item (optional)").select_option(label="Waiting times for talking therapies")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_have_text("The decision is recorded.")
    axe(page)
    page.get_by_role("button", name="Publish the notes and tell members").click()
    expect(page.get_by_role("status")).to_have_text("The notes are published. Members are being told by email.")
    expect(page.get_by_role("heading", level=2, name="Notes and decisions")).to_be_visible()
    axe(page)
    assert Decision.objects.get().meeting == first
    assert Message.objects.filter(kind=NOTES_PUBLISHED.key, recipient=kit).exists()

    # The member reads them on the meeting page.
    phone.goto(first.get_absolute_url())
    notes = phone.get_by_role("region", name="Notes and decisions")
    expect(phone.get_by_role("region", name="Who came")).to_contain_text("2 members came, and 2 guests.")
    expect(notes.get_by_role("heading", level=3, name="Waiting times for talking therapies")).to_be_visible()
    expect(notes.locator("strong", has_text="six months")).to_be_visible()
    expect(notes.get_by_role("listitem").filter(has_text="Ask the trust")).to_be_visible()
    expect(notes.get_by_role("link", name="the survey")).to_have_attribute("href", "https://example.org/survey")
    expect(notes).to_contain_text("Thanks to the cafe for the tea.")
    expect(notes).to_contain_text("Write to the trust about waiting times.")
    expect(notes).to_contain_text("Not yet approved: the next meeting approves them.")
    axe(phone)
