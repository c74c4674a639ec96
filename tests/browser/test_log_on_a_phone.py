"""The action log on a phone (issue 15, items 1 and 20): at 390 and 320 px nothing is off the right edge, each action
is a card with its due date, status and latest update in view, and the filters are folded behind "Filter", which
says which are on; with JavaScript off too. The log shows the live actions until done and dropped ones are asked
for. Other data tables (the commissioner's overview) are cards on a phone as well. axe runs on every page visited
with JavaScript on (it needs JavaScript itself)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from actions.models import Action, ActionUpdate
from members.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import ActionFactory, MembershipFactory

pytestmark = pytest.mark.browser

PHONES = [{"width": 390, "height": 844}, {"width": 320, "height": 640}]
LONG_TITLE = "Ask South London and Maudsley NHS Foundation Trust to publish its crisis line waiting times every month"
ORGANISATION = "South London and Maudsley NHS Foundation Trust"
UPDATE = "The trust's chief executive wrote back to say the figures will be on their website from January."


@pytest.fixture
def log(collaborative) -> dict:
    today = timezone.localdate()
    sam = MembershipFactory(collaborative=collaborative, user__display_name="Sam Patel").user
    first = ActionFactory(
        collaborative=collaborative,
        title=LONG_TITLE,
        owner=sam,
        organisation=ORGANISATION,
        due_on=today - timedelta(days=4),
        status=Action.Status.BLOCKED,
        status_reason="Waiting for the trust's board.",
    )
    ActionUpdate.objects.create(action=first, author=sam, text=UPDATE)
    ActionFactory(collaborative=collaborative, title="Map the crisis cafes", owner=sam, due_on=today + timedelta(3))
    ActionFactory(
        collaborative=collaborative, title="Print the leaflet", owner=sam, status=Action.Status.DONE, due_on=today
    )
    return {"sam": sam}


def fits(page: Page) -> None:
    """Nothing to scroll sideways to."""
    page.wait_for_load_state("load")
    wide, shown = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert wide <= shown, f"{page.url} scrolls sideways: {wide} px wide in {shown} px"


def in_view(page: Page, cell) -> None:
    """The cell is seen, and within the width of the screen."""
    expect(cell).to_be_visible()
    box = cell.bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= width, (box, width)


def summary(page: Page):
    return page.locator("details.filter-box > summary")


@pytest.mark.parametrize("viewport", PHONES, ids=["390px", "320px"])
def test_the_log_on_a_phone_is_cards_with_the_filters_folded_away(new_page, axe, collaborative, log, viewport):
    page = new_page(viewport=viewport)
    page.goto("/")
    sign_in(page, log["sam"].email)
    page.goto(f"/c/{collaborative.slug}/actions/")
    table = page.get_by_role("table", name="Actions")
    # The live actions only, said so, with the done one a link away.
    expect(table.get_by_role("rowheader")).to_have_text([LONG_TITLE, "Map the crisis cafes"])
    expect(page.get_by_text("Showing the actions not yet done or dropped.")).to_be_visible()
    # Each action a card: its due date, status and latest update in view, with their names.
    card = table.get_by_role("row").filter(has_text=LONG_TITLE)
    for label, words in (("Due", "Overdue"), ("Status", "Blocked"), ("Latest update", UPDATE[:40])):
        cell = card.locator(f'td[data-label="{label}"]')
        expect(cell).to_contain_text(words)
        in_view(page, cell)
    # The column headings are out of sight but still there for screen readers.
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Action", "Owner", "Due", "Status", "Lead organisation", "Latest update"]
    )
    expect(table.get_by_role("columnheader", name="Due")).not_to_be_in_viewport()
    # The filters are closed, saying which are on, so the first action comes soon after them: on the first
    # screen of a 390 by 844 phone, and just below it on the smallest.
    expect(summary(page)).to_have_text("Filter (1 on: not done or dropped)")
    expect(page.get_by_role("searchbox", name="Search")).to_be_hidden()
    first = table.get_by_role("rowheader").first.bounding_box()
    assert first["y"] < viewport["height"] * (1 if viewport["width"] >= 390 else 1.25), first
    fits(page)
    axe(page)

    # Unfolded, the filters fit the screen; each change shows in the summary (htmx).
    summary(page).click()
    page.get_by_role("checkbox", name="Overdue only").check()
    expect(table.get_by_role("rowheader")).to_have_text([LONG_TITLE])
    expect(summary(page)).to_have_text("Filter (2 on: status open or in progress or blocked; overdue)")
    fits(page)
    axe(page)

    # A link with filters: they are said in the summary, and folded away.
    page.goto(f"/c/{collaborative.slug}/actions/?status=blocked&overdue=on")
    expect(summary(page)).to_have_text("Filter (2 on: status blocked; overdue)")
    expect(page.get_by_role("checkbox", name="Overdue only")).to_be_hidden()
    fits(page)
    axe(page)

    # Done and dropped actions, a link away, the other filters kept.
    page.goto(f"/c/{collaborative.slug}/actions/?q=leaflet")
    expect(page.get_by_text("No actions match these filters")).to_contain_text("not done or dropped")
    page.get_by_role("link", name="Include done and dropped actions").click()
    expect(table.get_by_role("rowheader")).to_have_text(["Print the leaflet"])
    expect(summary(page)).to_have_text("Filter (1 on: “leaflet” in the title, description or organisation)")
    fits(page)
    axe(page)


def test_without_javascript_the_filters_open_and_close_and_say_which_are_on(new_page, collaborative, log):
    signed_in = new_page()
    signed_in.goto("/")
    sign_in(signed_in, log["sam"].email)
    page = new_page(viewport=PHONES[1], java_script_enabled=False, storage_state=signed_in.context.storage_state())
    page.goto(f"/c/{collaborative.slug}/actions/")
    expect(summary(page)).to_have_text("Filter (1 on: not done or dropped)")
    expect(page.get_by_role("button", name="Show")).to_be_hidden()
    summary(page).click()
    page.get_by_role("checkbox", name="Open", exact=True).uncheck()
    page.get_by_role("checkbox", name="In progress").uncheck()
    page.get_by_role("checkbox", name="Overdue only").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(summary(page)).to_have_text("Filter (2 on: status blocked; overdue)")
    expect(page.get_by_role("button", name="Show")).to_be_hidden()
    expect(page.get_by_role("table", name="Actions").get_by_role("rowheader")).to_have_text([LONG_TITLE])
    in_view(page, page.locator('td[data-label="Latest update"]'))
    fits(page)
    # Done and dropped actions too, by a plain link.
    page.goto(f"/c/{collaborative.slug}/actions/")
    with page.expect_navigation():
        page.get_by_role("link", name="Include done and dropped actions").click()
    expect(page.get_by_role("table", name="Actions").get_by_role("rowheader")).to_have_count(3)
    expect(summary(page)).to_have_text("Filter")


def test_the_overviews_tables_are_cards_on_a_phone(new_page, axe, collaborative, log):
    chloe = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.COMMISSIONER, user__display_name="Chloe Mensah"
    ).user
    page = new_page(viewport=PHONES[1])
    page.goto("/")
    sign_in(page, chloe.email)
    page.goto(f"/c/{collaborative.slug}/actions/overview/")
    organisations = page.get_by_role("table", name="Actions by lead organisation")
    row = organisations.get_by_role("row").filter(has_text=ORGANISATION)
    for label in ("All", "Not finished", "Overdue", "Done"):
        in_view(page, row.locator(f'td[data-label="{label}"]'))
    expect(row.locator('td[data-label="Overdue"]')).to_have_text("1")
    fits(page)
    axe(page)
    row.get_by_role("link", name=ORGANISATION).click()
    expect(page).to_have_url(re.compile(r"finished=on"))
    expect(page.get_by_role("table", name="Actions").get_by_role("rowheader")).to_have_text([LONG_TITLE])
