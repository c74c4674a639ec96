"""On a phone (320 px): a facilitator sets what the Collaborative pays; a member chooses how to be paid,
takes a break and comes back, and asks for a check-in after a meeting; the facilitator records it.
axe on every page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Attendance
from members.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import MeetingFactory, MembershipFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}


def test_settings_a_choice_a_break_and_a_check_in_on_a_phone(new_page, axe, collaborative):
    facilitator = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Fran Facilitator"
    ).user
    member = MembershipFactory(collaborative=collaborative, user__display_name="Mo Member").user
    slug = collaborative.slug

    page = facilitators = new_page(viewport=PHONE)
    page.goto(f"/c/{slug}/payments/settings/")
    sign_in(page, facilitator.email)
    expect(page.get_by_role("heading", level=1, name="Payment settings")).to_be_visible()
    axe(page)
    page.get_by_label("We pay people for their time and their expenses").check()
    page.get_by_label("A meeting, in pounds").fill("thirty")
    page.get_by_label("Bank transfer").check()
    page.get_by_label("Where to get free benefits advice").fill("Lambeth Welfare Rights, 020 7926 0000")
    page.get_by_role("button", name="Save the new settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Give an amount in pounds, for example 12.50.")
    axe(page)
    page.get_by_label("A meeting, in pounds").fill("30")
    page.get_by_role("button", name="Save the new settings").click()
    expect(page.get_by_role("main")).to_contain_text("A meeting: £30.00")
    axe(page)

    page = new_page(viewport=PHONE)
    page.goto(f"/c/{slug}/payments/choice/")
    sign_in(page, member.email)
    expect(page.get_by_role("heading", level=1, name="How you would like to be paid")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Lambeth Welfare Rights, 020 7926 0000")
    axe(page)
    page.get_by_label("Paid a lower amount").check()
    page.get_by_role("button", name="Save my choice").click()
    expect(page.get_by_role("alert")).to_contain_text("Say the most you would like for each activity")
    axe(page)
    page.get_by_label("If a lower amount: the most you would like for each activity, in pounds").fill("10")
    page.get_by_role("button", name="Save my choice").click()
    expect(page.get_by_role("main")).to_contain_text("at most £10.00 for each activity")
    axe(page)

    page.goto(f"/c/{slug}/break/")
    expect(page.get_by_role("heading", level=1, name="Taking a break")).to_be_visible()
    axe(page)
    page.get_by_label("Until").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Take a break").click()
    expect(page.get_by_role("main")).to_contain_text("You are taking a break until")
    axe(page)
    page.get_by_role("button", name="Come back now").click()
    expect(page.get_by_role("main")).to_contain_text("Welcome back.")

    end = timezone.now() - timedelta(hours=1)
    meeting = MeetingFactory(collaborative=collaborative, starts_at=end - timedelta(hours=2), ends_at=end)
    Attendance.objects.create(meeting=meeting, user=member)
    page.goto(f"/c/{slug}/meetings/{meeting.pk}/")
    page.get_by_role("button", name="I'd like someone to check in with me").click()
    expect(page.get_by_role("main")).to_contain_text("You asked for someone to check in with you.")
    axe(page)

    # Still signed in (each code from the app is taken once, so not signing in again).
    page = facilitators
    page.goto(f"/c/{slug}/check-ins/")
    expect(page.get_by_role("main")).to_contain_text("Mo Member")
    axe(page)
    page.get_by_role("button", name="I've checked in with Mo Member").click()
    expect(page).to_have_url(re.compile(r"/check-ins/$"))
    expect(page.get_by_role("main")).to_contain_text("By Fran Facilitator")
    axe(page)
