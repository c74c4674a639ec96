"""A member reads and agrees to the ground rules; a facilitator changes them. axe on every page."""

import re

import pytest
from playwright.sync_api import expect

from members.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser


def test_a_member_agrees_and_a_facilitator_changes_the_ground_rules(new_page, axe, collaborative):
    member = MembershipFactory(collaborative=collaborative).user
    facilitator = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user

    page = new_page()
    page.goto("/")
    sign_in(page, member.email)
    page.get_by_role("link", name="Please read our ground rules").click()
    expect(page.get_by_role("heading", level=1, name="Our ground rules")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("We meet as equals.")
    axe(page)
    page.get_by_role("button", name="I agree to these ground rules").click()
    expect(page.get_by_role("status")).to_have_text("Thank you. You have agreed to the ground rules.")
    expect(page.get_by_role("main")).to_contain_text("You agreed to these ground rules on")
    axe(page)

    page = new_page()
    page.goto(f"/c/{collaborative.slug}/ground-rules/")
    sign_in(page, facilitator.email)
    page.get_by_role("link", name="Change the ground rules").click()
    page.get_by_label("Ground rules").fill("")
    page.get_by_role("button", name="Save the new ground rules").click()
    expect(page.get_by_role("alert")).to_contain_text("This field is required.")
    axe(page)
    page.get_by_label("Ground rules").fill("Be kind.\n\nListen to understand.")
    page.get_by_role("button", name="Save the new ground rules").click()
    expect(page).to_have_url(re.compile(r"/ground-rules/$"))
    expect(page.get_by_role("main")).to_contain_text("Listen to understand.")
    axe(page)


def test_a_facilitator_sees_a_members_page_with_access_needs(new_page, axe, collaborative):
    MembershipFactory(
        collaborative=collaborative,
        user__display_name="Kit Walsh",
        user__pronouns="they/them",
        user__access_needs=["hearing_loop"],
    )
    facilitator = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto(f"/c/{collaborative.slug}/members/")
    sign_in(page, facilitator.email)
    expect(page.get_by_role("heading", level=1, name="Members")).to_be_visible()
    axe(page)
    page.get_by_label("Name").fill("kit")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#member-list").get_by_role("status")).to_have_text("1 person")
    axe(page)
    page.get_by_role("link", name="Kit Walsh").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kit Walsh")
    expect(page.get_by_role("region", name="Access needs")).to_contain_text("Hearing loop")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe(page)


def test_whos_at_the_table_has_a_chart_and_its_numbers(new_page, axe, collaborative):
    for _ in range(3):
        MembershipFactory(
            collaborative=collaborative, user__perspectives=["carer"], user__organisation_type="voluntary"
        )
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto(f"/c/{collaborative.slug}/")
    sign_in(page, MembershipFactory(collaborative=collaborative).user.email)
    page.get_by_role("link", name="Who's at the table").click()
    expect(page.get_by_role("img", name="Perspectives people bring")).to_be_visible()
    expect(page.get_by_role("table", name="Perspectives people bring: the numbers")).to_contain_text("Carer3")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe(page)
