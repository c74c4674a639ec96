"""The commissioner on a laptop (issue 15, items 18 and 19): "Accountability" in the navigation, a card on the
home page whose counts of overdue, blocked and done-this-month actions each open the log showing exactly those,
and a signed-off review that starts with a summary for the board. axe runs on every page visited."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from actions.models import Action
from actions.services import review_item_mark, review_round_open, review_round_sign_off
from members.models import Membership
from tests.browser.conftest import sign_in
from tests.browser.test_meetings import LAMBETH, heading
from tests.factories import MembershipFactory, action_record

pytestmark = pytest.mark.browser


def log_titles(page: Page):
    return page.get_by_role("table", name="Actions").get_by_role("rowheader")


def test_a_commissioner_finds_what_is_overdue_blocked_and_done_from_home(new_page, axe, collaborative):
    chloe = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.COMMISSIONER, user__display_name="Chloe Mensah"
    ).user
    kit = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    today = collaborative.local_today()
    for title, status, due in (
        ("Write to the trust about waiting times", "open", -10),
        ("Fund a second drop-in", "blocked", -2),
        ("Train peer supporters", "blocked", 20),
        ("Print the crisis card", "done", -1),
        ("Ask about interpreters", "in_progress", 5),
    ):
        action_record(
            collaborative,
            by=kit,
            title=title,
            status=status,
            status_reason="Waiting for the budget." if status == "blocked" else "",
            due_on=today + timedelta(days=due),
        )
    review = review_round_open(collaborative=collaborative, by=chloe, title="Board report, December")
    for item in review.items.all():
        review_item_mark(item=item, by=chloe)
    review_round_sign_off(review=review, by=chloe)

    page = new_page()
    page.goto("/")
    sign_in(page, chloe.email)
    expect(heading(page, LAMBETH)).to_be_visible()
    nav = page.get_by_role("navigation", name=LAMBETH)
    expect(nav.get_by_role("link", name="Accountability")).to_be_visible()
    card = page.get_by_role("region", name="Accountability")
    expect(card.get_by_role("listitem")).to_have_text(
        ["2 overdue", "2 blocked", f"1 done since {today.replace(day=1):%-d %B}"]
    )
    axe(page)

    # Each count opens the log showing exactly those actions.
    for name, titles in (
        ("2 overdue", ["Write to the trust about waiting times", "Fund a second drop-in"]),
        ("2 blocked", ["Fund a second drop-in", "Train peer supporters"]),
        (re.compile(r"^1 done since "), ["Print the crisis card"]),
    ):
        page.get_by_role("region", name="Accountability").get_by_role("link", name=name).click()
        expect(heading(page, "Actions")).to_be_visible()
        expect(log_titles(page)).to_have_text(titles)
        expect(page.locator("#action-count")).to_have_text(f"{len(titles)} action{'' if len(titles) == 1 else 's'}.")
        axe(page)
        page.go_back()

    # The navigation's entry leads to the overview, and from there to the reviews.
    nav.get_by_role("link", name="Accountability").click()
    expect(heading(page, "Actions: overview")).to_be_visible()
    expect(nav.get_by_role("link", name="Accountability")).to_have_attribute("aria-current", "page")
    axe(page)
    page.goto(f"/c/{collaborative.slug}/actions/reviews/")
    page.get_by_role("link", name="Board report, December").click()
    summary = page.get_by_role("region", name="Summary")
    expect(summary).to_contain_text("there was no review before this one, so from three months before it began")
    expect(summary).to_contain_text("It holds 5 actions")
    counts = summary.get_by_role("table", name="Actions by status")
    expect(counts.get_by_role("cell")).to_have_text(["1", "1", "1", "2", "0"])
    expect(summary).to_contain_text(f"Overdue on {today:%-d %B %Y}: 2")
    axe(page)
    # Printed, the summary comes first and nothing of the screen's controls.
    page.emulate_media(media="print")
    expect(summary).to_be_visible()
    expect(nav).to_be_hidden()
    assert Action.objects.filter(collaborative=collaborative).count() == 5
