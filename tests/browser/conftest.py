"""Playwright on Debian's chromium against Django's live server, with axe for accessibility.

One chromium serves every test in this folder; each test gets fresh browser contexts
(cookies, viewport, JavaScript on or off), so tests never share a signed-in session.
"""

import json
import os
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT, AxeResults
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import chromium_path
from tests.factories import PASSWORD, totp_code

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# WCAG 2.2 level AA, which includes every A and AA rule of 2.0 and 2.1.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
# axe (572 KB) is sent to the browser once for each context, not for each check (sending it took 0.1 s
# of each check's 0.25 s): every document the context opens gets this function, which makes `window.axe`
# when first called. Called only by a check, so pages that are not checked do not set axe up (0.01 s).
AXE_LOADER = f"window.__loadAxe = function () {{\n{AXE_SCRIPT}\n}};"
# In the page: null if this document has neither axe nor its loader (then axe is sent, and this runs again).
AXE_RUN = f"""() => {{
    if (typeof window.axe?.run !== "function" && typeof window.__loadAxe === "function") window.__loadAxe();
    return typeof window.axe?.run === "function" ? axe.run({json.dumps(AXE_OPTIONS)}) : null;
}}"""

# Fail fast instead of waiting Playwright's default 30 s for something that is not there.
expect.set_options(timeout=5_000)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One chromium for the tests in this folder, in each pytest process (which runs them last: see kind_of).

    While Playwright's sync API is started, an asyncio event loop counts as running in
    this thread, and Django refuses database access from such a thread unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set. It is safe here: the test code and the loop never
    use the database at the same time. Package scope (not session) stops Playwright and
    unsets the variable after the last browser test, so that the other tests in this
    worker, and the processes they start (`manage.py check --deploy` warns about the
    variable), keep Django's protection.
    """
    executable = chromium_path()
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., Page]]:
    """Open a page in a new browser context; keyword arguments go to `browser.new_context`."""
    contexts = []

    def open_page(**context_options) -> Page:
        options = {"base_url": live_server.url, "viewport": {"width": 1280, "height": 800}, "locale": "en-GB"}
        options.update(context_options)
        context = browser.new_context(**options)
        context.set_default_timeout(5_000)
        # Runs first in each document where JavaScript is on; the page's Content-Security-Policy does
        # not apply to it (test_axe_check.py proves that axe runs, and fails a page that breaks a rule).
        context.add_init_script(AXE_LOADER)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        for open_one in context.pages:
            # An htmx request still out at the end of a test would reach the live server while the
            # database is emptied for the next test (on SQLite: "database table is locked").
            open_one.wait_for_function("() => !document.querySelector('.htmx-request')")
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def assert_accessible(page: Page) -> None:
    """Run axe (WCAG 2.2 AA) on the page as it is now and fail with a readable list of violations.

    axe is made from the loader that `new_page` puts in each document; in a page opened some other
    way it is sent here, once for each document. The site's Content-Security-Policy
    (script-src 'self') does not get in the way: init scripts and Playwright's `evaluate` run
    through the DevTools protocol, which CSP does not govern, so no `bypass_csp` is needed.
    """
    # A click can return before the style sheet has loaded; unstyled pages fail contrast checks.
    page.wait_for_load_state("load")
    response = page.evaluate(AXE_RUN)
    if response is None:
        page.evaluate(AXE_SCRIPT)
        response = page.evaluate(AXE_RUN)
    results = AxeResults(response)
    if results.violations_count:
        pytest.fail(f"axe found problems on {page.url}:\n{results.generate_report()}", pytrace=False)


@pytest.fixture
def axe() -> Callable[[Page], None]:
    return assert_accessible


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in and send the real sign-in form, as a person would.

    Facilitators and commissioners (MembershipFactory sets up their authenticator app)
    are asked next for the code their app shows: this types it. allauth takes each code
    once, so the same person cannot sign in twice in one 30-second period.
    """
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    if urlsplit(page.url).path == reverse("mfa_authenticate"):
        page.get_by_label("The code from your app, or one of your recovery codes").fill(totp_code())
        page.get_by_role("button", name="Sign in", exact=True).click()
