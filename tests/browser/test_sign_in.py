"""A person signs in, finds their Collaboratives, moves between them and edits their profile.

Each test walks the pages as a person would (fields by label, buttons and links by role)
and runs axe on every page it reaches.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from members.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

LAMBETH = "Lambeth Living Well Collaborative"
LUTON = "Luton Living Well Collaborative"


@pytest.fixture
def person(collaborative, other_collaborative):
    """Someone who is a member in Lambeth and a facilitator in Luton."""
    user = UserFactory(display_name="Amina Okafor")
    MembershipFactory(user=user, collaborative=collaborative, role=Membership.Role.MEMBER)
    MembershipFactory(user=user, collaborative=other_collaborative, role=Membership.Role.FACILITATOR)
    return user


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def switch_to(page: Page, name: str) -> None:
    """Open the header's switcher (a <details>, so no JavaScript is needed) and follow a link."""
    account_nav = page.get_by_role("navigation", name="Your account")
    account_nav.locator("summary").click()
    account_nav.get_by_role("link", name=name, exact=True).click()


def test_person_signs_in_switches_collaborative_and_edits_profile(page, axe, person):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(heading(page, "Sign in")).to_be_visible()
    axe(page)

    sign_in(page, person.email)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(heading(page, "Your Collaboratives")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=LAMBETH)).to_be_visible()
    expect(main.get_by_role("link", name=LUTON)).to_be_visible()
    axe(page)

    main.get_by_role("link", name=LAMBETH).click()
    expect(page).to_have_url(re.compile(r"/c/lambeth/$"))
    expect(heading(page, LAMBETH)).to_be_visible()
    for section in ("Next meeting", "Our vision", "My actions"):
        expect(page.get_by_role("region", name=section)).to_be_visible()
    axe(page)

    account_nav = page.get_by_role("navigation", name="Your account")
    account_nav.locator("summary").click()
    expect(account_nav.get_by_role("link", name=LAMBETH, exact=True)).to_have_attribute("aria-current", "page")
    axe(page)  # With the switcher open.
    account_nav.get_by_role("link", name=LUTON, exact=True).click()
    expect(page).to_have_url(re.compile(r"/c/luton/$"))
    expect(heading(page, LUTON)).to_be_visible()
    # In Luton they are a facilitator, so the Collaborative's menu offers its details.
    expect(page.get_by_role("navigation", name=LUTON).get_by_role("link", name="Collaborative details")).to_be_visible()

    page.get_by_role("link", name="Your profile").click()
    expect(heading(page, "Your profile")).to_be_visible()
    axe(page)

    page.get_by_label("Your name").fill("Amina O.")
    page.get_by_label("Carer").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_have_text("Your profile has been saved.")
    expect(page.get_by_label("Your name")).to_have_value("Amina O.")
    expect(page.get_by_label("Carer")).to_be_checked()
    axe(page)

    person.refresh_from_db()
    assert person.display_name == "Amina O."
    assert person.perspectives == ["carer"]


def test_wrong_password_shows_a_plain_message(page, axe, person):
    page.goto("/accounts/login/")
    sign_in(page, person.email, password="not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text("The email address or password is not right. Check both and try again.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(person.email)
    axe(page)


def test_home_page_fits_a_320px_phone(new_page, axe, person):
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto("/c/lambeth/")
    sign_in(page, person.email)
    expect(heading(page, LAMBETH)).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe(page)

    # The open switcher stays on screen too.
    page.get_by_role("navigation", name="Your account").locator("summary").click()
    box = page.locator(".switcher ul").bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_sign_in_and_switcher_work_without_javascript(new_page, person):
    page = new_page(java_script_enabled=False)
    page.goto("/")
    sign_in(page, person.email)
    expect(heading(page, "Your Collaboratives")).to_be_visible()

    page.get_by_role("main").get_by_role("link", name=LUTON).click()
    expect(heading(page, LUTON)).to_be_visible()

    switch_to(page, LAMBETH)
    expect(page).to_have_url(re.compile(r"/c/lambeth/$"))
    expect(heading(page, LAMBETH)).to_be_visible()


def test_skip_link_is_first_and_moves_focus_to_main(page, person):
    page.goto("/")
    sign_in(page, person.email)
    expect(heading(page, "Your Collaboratives")).to_be_visible()

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    # The next Tab continues inside the main content, past the header's links.
    page.keyboard.press("Tab")
    expect(page.get_by_role("main").get_by_role("link", name=LAMBETH)).to_be_focused()


def test_facilitator_fixes_an_error_in_collaborative_details(page, axe, person):
    page.goto("/c/luton/settings/")
    sign_in(page, person.email)
    expect(heading(page, f"Details of {LUTON}")).to_be_visible()

    name = page.get_by_label("Name", exact=False)
    name.fill("")
    page.get_by_role("button", name="Save details").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name="Name: This field is required.")).to_be_visible()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("This field is required."))
    axe(page)

    # The summary's link takes the keyboard straight to the field.
    summary.get_by_role("link", name="Name: This field is required.").click()
    expect(name).to_be_focused()

    name.fill("Luton and Dunstable Living Well Collaborative")
    page.get_by_role("button", name="Save details").click()
    # The browser keeps the #id_name fragment across the redirect, hence no "$".
    expect(page).to_have_url(re.compile(r"/c/luton/(#id_name)?$"))
    expect(page.get_by_role("status")).to_have_text("The Collaborative's details have been saved.")
    expect(heading(page, "Luton and Dunstable Living Well Collaborative")).to_be_visible()
    axe(page)


def test_signing_in_with_a_code_on_a_phone_in_plain_words(new_page, axe, collaborative, settings):
    """On a 390 px phone (issue 15, item 5): the page says how long the code works, "Sign in" is the
    one button, and starting again is a plain link, not a second button as big as it."""
    from django.core import mail

    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
    person = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Send me a sign-in code").click()
    page.get_by_label("Email").fill(person.email)
    page.get_by_role("button", name="Send the code").click()

    expect(heading(page, "Type your sign-in code")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"We have emailed a sign-in code to {person.email}. It works for 5 minutes")
    expect(page.get_by_role("status")).to_contain_text("It works for 5 minutes.")
    expect(main.get_by_role("button", name="Cancel")).to_have_count(0)
    start_again = main.get_by_role("button", name="Start again")
    expect(start_again).to_have_class("link-button")
    sign_in_button = main.get_by_role("button", name="Sign in")
    assert start_again.bounding_box()["height"] < sign_in_button.bounding_box()["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe(page)

    email = mail.outbox[-1]
    assert email.subject == "Your code to sign in to Living Well Collaboratives"
    assert "It works for 5 minutes" in email.body
    code = re.search(r"^([A-Z0-9-]{6,})$", email.body, re.MULTILINE).group(1)
    page.get_by_label("Code").fill(code)
    sign_in_button.click()
    expect(heading(page, LAMBETH)).to_be_visible()  # Their one Collaborative.
    axe(page)
