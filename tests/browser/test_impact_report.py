"""On a phone (320 px): a member opens the impact report from the menu, asks for a period that is not one,
is told why, chooses a good one and reads the figures. axe on every page."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.factories import AttendanceFactory, MembershipFactory
from tests.impact.helpers import END, START, ask_sent, meeting_on, person

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}


def fits(page: Page) -> None:
    """Nothing to scroll sideways to."""
    wide, shown = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert wide <= shown, f"{page.url} scrolls sideways: {wide} px wide in {shown} px"


def test_a_member_reads_the_impact_report_on_a_phone(new_page, axe, collaborative):
    member = MembershipFactory(collaborative=collaborative, user__display_name="Mo Member").user
    meeting = meeting_on(collaborative, START)
    for _ in range(3):
        AttendanceFactory(meeting=meeting, user=person("carer"))
    ask_sent(collaborative, START, due_on=END, organisation="South London and Maudsley NHS Foundation Trust")

    page = new_page(viewport=PHONE)
    page.goto(f"/c/{collaborative.slug}/")
    sign_in(page, member.email)
    page.get_by_role("link", name="Impact report").click()
    expect(page.get_by_role("heading", level=1, name="Impact report")).to_be_visible()
    axe(page)
    fits(page)

    page.get_by_label("From").fill("2026-04-01")
    page.get_by_label("To").fill("2026-03-31")
    page.get_by_role("button", name="Show this period").click()
    expect(page.get_by_role("alert")).to_contain_text("The end of the period must be on or after its start.")
    axe(page)

    page.get_by_label("From").fill(START.isoformat())
    page.get_by_label("To").fill(END.isoformat())
    page.get_by_role("button", name="Show this period").click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("1 April 2025 to 31 March 2026")
    expect(main).to_contain_text("South London and Maudsley NHS Foundation Trust")
    expect(page.get_by_role("row", name="Meetings held")).to_contain_text("1")
    expect(page.get_by_role("link", name="Download as PDF")).to_be_visible()
    axe(page)
    fits(page)
