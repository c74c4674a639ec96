"""allauth's pages are ours too: a newcomer signs up, and someone without a password signs in
with a code. axe runs on every page, including the error states."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from members.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def test_a_newcomer_signs_up_and_confirms_their_email(page, axe):
    page.goto("/accounts/signup/")
    expect(heading(page, "Create an account")).to_be_visible()
    axe(page)

    page.get_by_role("button", name="Create account").click()  # Nothing filled in.
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: "))
    axe(page)

    page.get_by_label("Your name").fill("Joy Mensah")
    page.get_by_label("Email").fill("joy@example.org")
    page.get_by_label("Password", exact=True).fill("a-long-new-password-7")
    page.get_by_label("Password (again)").fill("a-long-new-password-7")
    page.get_by_role("button", name="Create account").click()
    expect(heading(page, "Check your email")).to_be_visible()
    axe(page)

    [email] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", email.body).group(1)
    page.goto(link)
    expect(heading(page, "Confirm your email address")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Yes, confirm my email address").click()
    expect(heading(page, "Your Collaboratives")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("You are not part of a Collaborative yet")
    assert User.objects.get(email="joy@example.org").display_name == "Joy Mensah"


def test_someone_without_a_password_signs_in_with_a_code(page, axe):
    person = UserFactory(email="kit@example.org")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Send me a sign-in code").click()
    expect(heading(page, "Send me a sign-in code")).to_be_visible()
    axe(page)

    page.get_by_label("Email").fill(person.email)
    page.get_by_role("button", name="Send the code").click()
    code = re.search(r"^([A-Z0-9-]{6,})$", mail.outbox[-1].body, re.MULTILINE).group(1)
    page.get_by_label("Code").fill("WRONG1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe(page)

    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page, "Your Collaboratives")).to_be_visible()


def test_forgotten_password_pages(page, axe):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/$"))
    axe(page)
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_role("button").filter(has_text=re.compile("reset", re.IGNORECASE)).click()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/done/$"))
    axe(page)
    page.goto("/accounts/password/reset/key/1-not-a-real-key/")
    expect(heading(page, "This link has expired or is not valid")).to_be_visible()
    axe(page)
