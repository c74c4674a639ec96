"""A facilitator on a laptop (1280 px) edits a draft of the vision and adds two values, once with JavaScript off
and once with it on (issue 15, item 14): the statement box shows the whole statement, each value is one group
("Value 1") whose boxes are "Name" and "What it means in practice", and "Add another value" gives an empty row
with the cursor in it, keeping everything typed and saving nothing until "Save the draft". axe runs on every
page visited."""

import re

import pytest
from playwright.sync_api import Page, expect

from members.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory
from vision.models import VisionVersion
from vision.services import version_draft

pytestmark = pytest.mark.browser

STATEMENT = (
    "Help is easy to get, close to home, when people need it. People who use services, carers, practitioners, "
    "managers and commissioners work on it as equals, and everyone can see what we have done and what is still "
    "to do. We listen first, we say what we will do and we do it, and we tell people when we cannot.\n\n"
    "Nobody has to tell their story twice to get help, and nobody is turned away without somewhere to go next."
)


def value(page: Page, number: int):
    return page.get_by_role("group", name=f"Value {number}", exact=True)


def fill_value(page: Page, number: int, name: str, meaning: str) -> None:
    row = value(page, number)
    row.get_by_role("textbox", name="Name", exact=True).fill(name)
    row.get_by_role("textbox", name="What it means in practice", exact=True).fill(meaning)


def accessible(new_page, axe, page: Page, javascript: bool) -> None:
    """axe on the page as shown. axe is JavaScript, and with JavaScript off Playwright's evaluate of it hangs
    instead of failing: so a page with JavaScript on, in the same session, is given the same HTML at the same
    address (its style sheet and scripts come from the site) and axe runs there."""
    page.wait_for_load_state("load")
    if javascript:
        axe(page)
        return
    html, address = page.content(), page.url.split("#")[0]
    checked = new_page(storage_state=page.context.storage_state())
    checked.route(address, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
    checked.goto(address)
    axe(checked)
    checked.close()


def shows_all_its_text(box) -> bool:
    """The box is tall enough for what it holds: nothing to scroll inside it."""
    return box.evaluate("box => box.scrollHeight <= box.clientHeight + 1")


@pytest.mark.parametrize("javascript", [False, True], ids=["without JavaScript", "with JavaScript"])
def test_a_facilitator_adds_two_values_to_a_draft(new_page, axe, collaborative, javascript):
    grace = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    version = version_draft(
        collaborative=collaborative,
        by=grace,
        statement=STATEMENT,
        values=[("Equal voices", "A carer's view counts as much as a chief officer's.")],
    )
    page = new_page(java_script_enabled=javascript)
    page.goto("/")
    sign_in(page, grace.email)
    page.goto(f"/c/{collaborative.slug}/vision/{version.number}/change/")
    expect(page.get_by_role("heading", level=1, name="Change draft version 1")).to_be_visible()
    page.wait_for_load_state("load")
    statement = page.get_by_role("textbox", name="Vision statement")
    expect(statement).to_have_value(STATEMENT)
    assert shows_all_its_text(statement)
    # One label each: the group says which value, its boxes what they hold.
    expect(page.get_by_role("textbox", name=re.compile("^Value"))).to_have_count(0)
    expect(value(page, 1).get_by_role("textbox", name="Name", exact=True)).to_have_value("Equal voices")
    expect(value(page, 3)).to_have_count(0)
    accessible(new_page, axe, page, javascript)

    typed = STATEMENT + "\n\nWe look again at how we are doing every year."
    statement.fill(typed)
    assert shows_all_its_text(statement)
    page.get_by_role("textbox", name="What is changing and why (optional)").fill("Adds kindness and hope.")
    fill_value(page, 2, "Kindness", "We assume good intent and say thank you.")
    if javascript:
        page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("button", name="Add another value").click()
    new_name = value(page, 3).get_by_role("textbox", name="Name", exact=True)
    expect(new_name).to_be_focused()
    expect(new_name).to_have_value("")
    expect(new_name).to_be_in_viewport()
    # Everything typed is still there, and nothing is saved.
    expect(statement).to_have_value(typed)
    expect(value(page, 2).get_by_role("textbox", name="Name", exact=True)).to_have_value("Kindness")
    assert VisionVersion.objects.get(pk=version.pk).statement == STATEMENT
    assert version.values.count() == 1
    accessible(new_page, axe, page, javascript)

    fill_value(page, 3, "Hope", "Things can change, and we can change them.")
    page.get_by_role("button", name="Add another value").click()
    expect(value(page, 4).get_by_role("textbox", name="Name", exact=True)).to_be_focused()
    expect(value(page, 3).get_by_role("textbox", name="Name", exact=True)).to_have_value("Hope")
    if javascript:
        assert page.evaluate("window.stillTheSamePage") is True
    accessible(new_page, axe, page, javascript)

    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("heading", level=1, name="Vision, version 1 (draft)")).to_be_visible()
    accessible(new_page, axe, page, javascript)
    version.refresh_from_db()
    assert version.statement.replace("\r\n", "\n") == typed  # Browsers send a box's lines ending "\r\n".
    assert version.note == "Adds kindness and hope."
    assert [v.name for v in version.values.all()] == ["Equal voices", "Kindness", "Hope"]
