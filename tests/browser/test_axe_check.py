"""The accessibility check itself: axe runs on our pages, under their Content-Security-Policy, and
fails a page that breaks a WCAG 2.2 AA rule, so that a quicker way of running it cannot quietly
turn it off.

The site's pages pass; so the rules are broken here on purpose, by adding to a real page (the
sign-in page, with its real headers) an image with no text alternative (WCAG 2.0 A), grey text too
faint to read (2.0 AA) and two buttons too small to press (2.2 AA).
"""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser

BREAK_THE_RULES = """() => {
    const main = document.querySelector("main");
    const image = document.createElement("img");
    image.src = "/static/favicon.svg";
    main.append(image);
    const faint = document.createElement("p");
    faint.textContent = "Hard to read";
    faint.style.color = "#ddd";
    faint.style.background = "#fff";
    main.append(faint);
    for (const name of ["Up", "Down"]) {
        const button = document.createElement("button");
        button.setAttribute("aria-label", name);
        Object.assign(button.style, {all: "unset", display: "inline-block", width: "8px", height: "8px"});
        main.append(button);
    }
}"""
RULES = ("image-alt", "color-contrast", "target-size")


def fails_for_the_broken_rules(page: Page) -> None:
    assert_accessible(page)  # Our page as it is passes.
    page.evaluate(BREAK_THE_RULES)
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page)
    report = str(failure.value)
    assert report.startswith(f"axe found problems on {page.url}:\nFound 3 accessibility violations:")
    for rule in RULES:
        assert f"{rule} - " in report
    assert 'Snippet: <img src="/static/favicon.svg">' in report


def test_axe_fails_a_page_that_breaks_wcag_rules(page):
    response = page.goto("/accounts/login/")
    # The site's real policy, the one that axe has to get past.
    # (Its directives come in no fixed order: read them one by one.)
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'"
    fails_for_the_broken_rules(page)
    # A new document (another page, or the same one again) is checked afresh.
    page.get_by_role("link", name="Send me a sign-in code").click()
    expect(page.get_by_role("heading", level=1, name="Send me a sign-in code")).to_be_visible()
    fails_for_the_broken_rules(page)
    page.reload()
    fails_for_the_broken_rules(page)


def test_axe_is_added_to_a_page_opened_without_it(browser, live_server):
    """A page that `new_page` did not open has no axe until assert_accessible adds it."""
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        assert page.evaluate("typeof window.axe") == "undefined"
        fails_for_the_broken_rules(page)
    finally:
        context.close()
