"""A facilitator without two-step sign-in opens a facilitator's page on a phone: they are
told why, set up an authenticator app (typing the key, as someone without a camera would),
see their recovery codes and go on to the page. axe runs on every page."""

import re

import pytest
from playwright.sync_api import Page, expect

from collaborative.middleware import EXPLANATION
from members.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, MembershipFactory, TotpFactory, totp_code

pytestmark = pytest.mark.browser

WIDTH = 375


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def assert_fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def test_a_facilitator_sets_up_two_step_sign_in_on_the_way_to_their_page(new_page, axe, collaborative):
    facilitator = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, two_factor=False
    ).user
    page = new_page(viewport={"width": WIDTH, "height": 740})
    page.goto("/")
    sign_in(page, facilitator.email)
    expect(heading(page, collaborative.name)).to_be_visible()

    page.get_by_role("link", name="Collaborative details").click()
    # allauth asks for the password again before two-step sign-in changes.
    expect(heading(page, "Confirm it is you")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(EXPLANATION)
    assert_fits(page)
    axe(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(heading(page, "Set up two-step sign-in")).to_be_visible()
    qr_code = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("img => img.naturalWidth") > 0  # The Content-Security-Policy lets it load.
    secret = page.get_by_text(re.compile(r"^[A-Z2-7]{32}$")).inner_text()
    assert_fits(page)
    axe(page)

    page.get_by_label("The 6-digit code your app shows").fill("000000" if totp_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: "))
    axe(page)

    page.get_by_label("The 6-digit code your app shows").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(heading(page, "Your recovery codes")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
    expect(page.get_by_role("status")).to_contain_text("Two-step sign-in is on.")
    assert_fits(page)
    axe(page)

    page.get_by_role("link", name="I have kept my codes: go on").click()
    expect(heading(page, f"Details of {collaborative.name}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/c/lambeth/settings/$"))
    assert_fits(page)
    axe(page)


def test_a_facilitator_signs_in_with_the_code_and_turns_two_step_sign_in_off(new_page, axe, collaborative):
    facilitator = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    page = new_page(viewport={"width": WIDTH, "height": 740})
    page.goto("/")
    page.get_by_label("Email").fill(facilitator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(heading(page, "Type the code from your app")).to_be_visible()
    axe(page)
    page.get_by_label("The code from your app, or one of your recovery codes").fill("12345")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    axe(page)
    page.get_by_label("The code from your app, or one of your recovery codes").fill(totp_code())
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(heading(page, collaborative.name)).to_be_visible()

    page.get_by_role("link", name="Your profile").click()
    page.get_by_role("link", name="Two-step sign-in").click()
    expect(heading(page, "Two-step sign-in")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("On: each time you sign in, we ask for a code from your app.")
    assert_fits(page)
    axe(page)

    page.get_by_role("link", name="Turn off two-step sign-in").click()
    expect(heading(page, "Confirm it is you")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(heading(page, "Turn off two-step sign-in")).to_be_visible()
    assert_fits(page)
    axe(page)
    page.get_by_role("button", name="Turn off two-step sign-in").click()
    expect(page.get_by_role("status")).to_have_text("Two-step sign-in is off.")
    expect(page.get_by_role("main")).to_contain_text("Off: you sign in without a code from an app.")
    axe(page)

    # A facilitator's pages ask for it again (no second password: they just gave it).
    page.get_by_role("link", name="Your profile").click()
    page.get_by_role("link", name=collaborative.name).first.click()
    page.get_by_role("link", name="Collaborative details").click()
    expect(heading(page, "Set up two-step sign-in")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(EXPLANATION)


def test_a_session_without_the_code_sees_the_member_view_and_types_the_code_to_go_on(new_page, axe, collaborative):
    """A facilitator signed in with the password alone before their app was set up (on another device,
    in the days before sessions ended on set-up): at 320 px, every page of the Collaborative as members
    see it, a line saying how to see the rest, and the code page that leads back."""
    facilitator = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, two_factor=False
    ).user
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto("/")
    sign_in(page, facilitator.email)
    expect(heading(page, collaborative.name)).to_be_visible()
    TotpFactory(user=facilitator)  # Set up elsewhere, without ending this session.

    page.reload()
    prompt = page.locator("#two-step-prompt")
    expect(prompt).to_contain_text("You are seeing this page as members see it.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe(page)

    prompt.get_by_role("link", name="type the code from your two-step app").click()
    expect(heading(page, "Type the code from your app")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe(page)
    page.get_by_label("The code from your app, or one of your recovery codes").fill(
        "000000" if totp_code() != "000000" else "111111"
    )
    page.get_by_role("button", name="Go on").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    axe(page)
    page.get_by_label("The code from your app, or one of your recovery codes").fill(totp_code())
    page.get_by_role("button", name="Go on").click()
    expect(heading(page, collaborative.name)).to_be_visible()
    expect(page.locator("#two-step-prompt")).to_have_count(0)
    page.get_by_role("link", name="Collaborative details").click()
    expect(heading(page, f"Details of {collaborative.name}")).to_be_visible()
