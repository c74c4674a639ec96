"""The action log's owner and organisation filters in the browser (issue 14): typed, not picked from a
list of every member. As a member types part of a name, the few people it matches appear below the box
(htmx) and the count is announced; Tab reaches them, and choosing one filters the log by exactly that
person, shown as a box to untick. Without JavaScript the typed name filters by itself and the page lists
those it matches. axe runs on every page visited with JavaScript on (it needs JavaScript itself)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.browser.test_vision import NARROW, no_sideways_scroll
from tests.factories import ActionFactory, MembershipFactory

pytestmark = pytest.mark.browser


def log_titles(page: Page):
    return page.get_by_role("table", name="Actions").get_by_role("rowheader")


def open_filters(page: Page) -> None:
    """On a phone the filters are folded away behind "Filter" (issue 15): unfold them."""
    page.locator("details.filter-box > summary").click()
    expect(page.get_by_role("button", name="Show")).to_be_visible()


@pytest.fixture
def log(collaborative) -> dict:
    today = timezone.localdate()
    kit = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    kim = MembershipFactory(collaborative=collaborative, user__display_name="Kim Osei").user
    sam = MembershipFactory(collaborative=collaborative, user__display_name="Sam Patel").user
    for n, (title, owner, organisation) in enumerate(
        [
            ("Map the crisis cafes", kit, "Lambeth Council"),
            ("Train peer supporters", kim, "South London and Maudsley"),
            ("Write the carers' leaflet", sam, "Lambeth Carers' Hub"),
        ]
    ):
        ActionFactory(
            collaborative=collaborative,
            title=title,
            owner=owner,
            organisation=organisation,
            due_on=today + timedelta(n),
        )
    return {"kit": kit, "sam": sam}


def test_typing_a_name_offers_the_people_it_matches(new_page, axe, collaborative, log):
    page = new_page(viewport=NARROW)
    page.goto("/")
    sign_in(page, log["sam"].email)
    page.goto(f"/c/{collaborative.slug}/actions/")
    expect(log_titles(page)).to_have_count(3)
    axe(page)
    open_filters(page)
    box = page.get_by_role("searchbox", name="Owner")
    box.press_sequentially("ki")
    suggestions = page.get_by_role("list", name="Show only the actions of:")
    expect(suggestions.get_by_role("link")).to_have_text(["Kim Osei", "Kit Walsh"])
    expect(page.locator("#owner-suggestions-status")).to_have_text("2 people match: press Tab to choose.")
    no_sideways_scroll(page)
    axe(page)
    box.press("Tab")
    expect(suggestions.get_by_role("link", name="Kit Walsh")).not_to_be_focused()
    expect(suggestions.get_by_role("link", name="Kim Osei")).to_be_focused()
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(log_titles(page)).to_have_text(["Map the crisis cafes"])
    open_filters(page)
    chosen = page.get_by_role("checkbox", name="Owned by Kit Walsh")
    expect(chosen).to_be_checked()
    expect(box).to_have_value("")
    axe(page)
    chosen.uncheck()  # The log follows in place, and the address with it.
    expect(log_titles(page)).to_have_count(3)
    expect(page).not_to_have_url(re.compile(r"owner="))

    # An organisation the same way, by part of its name.
    page.get_by_role("searchbox", name="Lead organisation").press_sequentially("lambeth")
    organisations = page.get_by_role("list", name="Show only the actions led by:")
    expect(organisations.get_by_role("link")).to_have_text(["Lambeth Carers' Hub", "Lambeth Council"])
    organisations.get_by_role("link", name="Lambeth Council").click()
    expect(page.locator("details.filter-box > summary")).to_contain_text("led by Lambeth Council")
    open_filters(page)
    expect(page.get_by_role("checkbox", name="Led by Lambeth Council")).to_be_checked()
    expect(log_titles(page)).to_have_text(["Map the crisis cafes"])


def test_without_javascript_a_typed_name_filters_and_lists_the_people_it_matches(new_page, collaborative, log):
    signed_in = new_page()
    signed_in.goto("/")
    sign_in(signed_in, log["sam"].email)
    page = new_page(viewport=NARROW, java_script_enabled=False, storage_state=signed_in.context.storage_state())
    page.goto(f"/c/{collaborative.slug}/actions/")
    open_filters(page)
    page.get_by_role("searchbox", name="Owner").fill("ki")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(log_titles(page)).to_have_text(["Map the crisis cafes", "Train peer supporters"])
    with page.expect_navigation():
        page.get_by_role("list", name="Show only the actions of:").get_by_role("link", name="Kit Walsh").click()
    expect(log_titles(page)).to_have_text(["Map the crisis cafes"])
    open_filters(page)
    page.get_by_role("checkbox", name="Owned by Kit Walsh").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(log_titles(page)).to_have_count(3)
