"""Meetings in the browser: a facilitator adds the cafe and sets up a year of monthly
meetings; members at phone width say whether they are coming from the home page, with
htmx (the buttons change in place) and with JavaScript off (the plain form). axe on every
page reached."""

import re
from datetime import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from meetings.models import Meeting, Rsvp, Venue
from meetings.services import local_moment, nth_weekday
from members.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser

LAMBETH = "Lambeth Living Well Collaborative"
PHONE = {"width": 375, "height": 740}
SECOND, THURSDAY = 2, 3


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def expected_meetings() -> int:
    """12, less this month's second Thursday at 10:00 if that has already gone."""
    today = timezone.localdate()
    this_month = nth_weekday(today.year, today.month, SECOND, THURSDAY)
    return 12 if local_moment(this_month, time(10), "Europe/London") > timezone.now() else 11


def test_a_facilitator_sets_up_a_year_of_meetings_and_members_say_they_are_coming(new_page, axe, collaborative):
    grace = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Grace Okafor"
    ).user
    kit = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    sam = MembershipFactory(collaborative=collaborative, user__display_name="Sam Patel").user

    # The facilitator adds the cafe.
    page = new_page()
    page.goto("/")
    sign_in(page, grace.email)
    expect(heading(page, LAMBETH)).to_be_visible()
    expect(page.get_by_role("region", name="Next meeting")).to_contain_text("No meeting has been set up yet.")
    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Meetings").click()
    expect(heading(page, "Meetings")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("No meetings are planned yet.")
    axe(page)
    page.get_by_role("link", name="Venues").click()
    expect(heading(page, "Venues")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Add a venue").click()
    expect(heading(page, "Add a venue")).to_be_visible()
    axe(page)
    page.get_by_label("Name").fill("Cafe on the Green")
    page.get_by_label("Address").fill("1 High Street\nLondon SE11 5AA")
    page.get_by_label("Link to a map (optional)").fill("https://www.openstreetmap.org/#map=19/51.49/-0.11")
    page.get_by_label("How many people fit (optional)").fill("20")
    page.get_by_role("checkbox", name="Step-free access").check()
    page.get_by_role("checkbox", name="Hearing loop").check()
    page.get_by_label("Anything else about getting in and around (optional)").fill("The ramp is round the side.")
    page.get_by_role("button", name="Save the venue").click()
    expect(page.get_by_role("status")).to_have_text("Cafe on the Green has been saved.")
    expect(page.get_by_role("main")).to_contain_text("Step-free access, Hearing loop. Room for 20.")
    axe(page)
    venue = Venue.objects.get()
    assert (venue.collaborative, venue.capacity, venue.access_notes) == (
        collaborative,
        20,
        "The ramp is round the side.",
    )

    # ... and a year of monthly meetings there.
    page.get_by_role("link", name="Meetings", exact=True).last.click()
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
    expect(heading(page, "Meetings")).to_be_visible()
    meetings = page.get_by_role("main").get_by_role("listitem")
    expect(meetings).to_have_count(count)
    expect(meetings.first).to_contain_text("Monthly meeting, 10:00 am to 12:30 pm, Cafe on the Green.")
    axe(page)
    assert Meeting.objects.count() == count
    first = Meeting.objects.order_by("starts_at").first()

    meetings.first.get_by_role("link").click()
    expect(heading(page, "Monthly meeting")).to_be_visible()
    facts = page.get_by_role("main")
    expect(facts).to_contain_text("Cafe on the Green")
    expect(facts).to_contain_text("Step-free access, Hearing loop.")
    expect(facts).to_contain_text("The ramp is round the side.")
    expect(facts).to_contain_text("0 coming, 0 maybe, 0 can't come. The venue has room for 20.")
    expect(page.get_by_role("link", name="Change the time, place or details")).to_be_visible()
    axe(page)

    # A member at phone width says they are coming, from the home page, without a page load.
    phone = new_page(viewport=PHONE)
    phone.goto("/")
    sign_in(phone, kit.email)
    expect(heading(phone, LAMBETH)).to_be_visible()
    next_meeting = phone.get_by_role("region", name="Next meeting")
    expect(next_meeting.get_by_role("link", name=re.compile(rf"^{first.local_start:%A} "))).to_be_visible()
    expect(next_meeting).to_contain_text("Cafe on the Green")
    expect(next_meeting.get_by_role("status")).to_have_text("Tap one to tell the facilitators.")
    axe(phone)
    phone.evaluate("window.stillTheSamePage = true")
    coming = next_meeting.get_by_role("button", name="Coming")
    coming.click()
    expect(next_meeting.get_by_role("status")).to_have_text(
        "You said: coming. You can change this until the meeting starts."
    )
    expect(next_meeting.get_by_role("button", name="Coming")).to_have_attribute("aria-pressed", "true")
    expect(next_meeting.get_by_role("button", name="Maybe")).to_have_attribute("aria-pressed", "false")
    assert phone.evaluate("window.stillTheSamePage") is True
    axe(phone)
    next_meeting.get_by_role("button", name="Maybe").click()
    expect(next_meeting.get_by_role("status")).to_have_text(
        "You said: maybe. You can change this until the meeting starts."
    )
    expect(next_meeting.get_by_role("button", name="Maybe")).to_have_attribute("aria-pressed", "true")
    expect(next_meeting.get_by_role("button", name="Coming")).to_have_attribute("aria-pressed", "false")
    assert phone.evaluate("window.stillTheSamePage") is True
    axe(phone)
    rsvp = Rsvp.objects.get(user=kit)
    assert (rsvp.meeting, rsvp.answer) == (first, Rsvp.Answer.MAYBE)
    assert list(rsvp.changes.values_list("answer", flat=True)) == ["coming", "maybe"]

    # Another member, with JavaScript off, does the same through the plain form.
    plain = new_page(viewport=PHONE, java_script_enabled=False)
    plain.goto("/")
    sign_in(plain, sam.email)
    expect(heading(plain, LAMBETH)).to_be_visible()
    with plain.expect_navigation():
        plain.get_by_role("region", name="Next meeting").get_by_role("button", name="Coming").click()
    expect(heading(plain, LAMBETH)).to_be_visible()  # Back on the home page.
    expect(plain.locator(".messages")).to_have_text("Thank you. You said you are coming.")
    next_meeting = plain.get_by_role("region", name="Next meeting")
    expect(next_meeting.get_by_role("button", name="Coming")).to_have_attribute("aria-pressed", "true")
    with plain.expect_navigation():
        next_meeting.get_by_role("button", name="Maybe").click()
    expect(plain.locator(".messages")).to_have_text("Thank you. You said maybe.")
    expect(next_meeting.get_by_role("button", name="Maybe")).to_have_attribute("aria-pressed", "true")
    assert Rsvp.objects.get(user=sam).answer == Rsvp.Answer.MAYBE

    # axe is JavaScript, and with JavaScript off Playwright's evaluate hangs instead of
    # failing; so the same session, with JavaScript on, opens the page the plain form led to.
    checked = new_page(viewport=PHONE, storage_state=plain.context.storage_state())
    checked.goto(collaborative.get_absolute_url())
    expect(checked.get_by_role("region", name="Next meeting").get_by_role("button", name="Maybe")).to_have_attribute(
        "aria-pressed", "true"
    )
    axe(checked)

    # The facilitator sees who is coming and what to plan for.
    page.reload()
    expect(page.get_by_role("main")).to_contain_text("0 coming, 2 maybe, 0 can't come.")
    expect(page.get_by_role("main")).to_contain_text("Maybe: Kit Walsh, Sam Patel")
    expect(page.get_by_role("main")).to_contain_text("plan for 0 to 2 (with those who said maybe) people.")
    axe(page)
