"""A person chooses their emails and stops one from its link; a facilitator looks through what was sent.

The emails are real: `membership_create` queues each welcome email and the delivery
services send it to Django's test outbox, so the unsubscribe link a test follows is the
one the person got. Each test walks the pages as a person would and runs axe on every
page it reaches, including after htmx has swapped part of a page.
"""

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from members.emails import WELCOME
from members.models import Membership
from members.services import membership_create
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message, Preference
from tests.browser.conftest import sign_in
from tests.factories import TotpFactory, UserFactory

pytestmark = pytest.mark.browser

LAMBETH = "Lambeth Living Well Collaborative"
EMAILS_SENT = "Emails sent to members"


def join(collaborative, name: str, role: str = Membership.Role.MEMBER):
    """A new person joins the Collaborative, which queues their welcome email."""
    user = UserFactory(display_name=name)
    membership_create(user=user, collaborative=collaborative, role=role)
    return user


def send_due_emails() -> int:
    """Do what the worker does: claim every email that is due and send it."""
    claim, ids = messages_claim()
    return messages_send(claim=claim, ids=ids)


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def body_rows(page: Page, table_name: str):
    """The table's rows less its heading row."""
    return page.get_by_role("table", name=table_name).locator("tbody").get_by_role("row")


def assert_fits_320px(page: Page) -> None:
    """No sideways scrolling of the page; a wide table scrolls in its own box, by keyboard too."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    wrap = page.locator(".table-wrap")
    if wrap.count() and wrap.evaluate("el => el.scrollWidth > el.clientWidth"):
        assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "auto"
        wrap.focus()
        expect(wrap).to_be_focused()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.table-wrap').scrollLeft > 0")


@pytest.fixture
def amina(collaborative):
    """A facilitator of Lambeth, with two-step sign-in set up."""
    user = join(collaborative, "Amina Okafor", Membership.Role.FACILITATOR)
    TotpFactory(user=user)
    return user


@pytest.fixture
def joy(collaborative):
    return join(collaborative, "Joy Mensah")


@pytest.fixture
def lambeth_emails(collaborative, amina, joy):
    """Welcome emails in every state a facilitator may see: sent, not sent and still waiting."""
    join(collaborative, "Ravi Shah")
    kit = join(collaborative, "Kit Walsh")
    Preference.objects.create(user=kit, kind=WELCOME.key, enabled=False)
    assert send_due_emails() == 3  # Amina, Joy and Ravi; Kit's is skipped.
    join(collaborative, "Lee Whitworth")  # Queued after the worker's last round.
    statuses = sorted(Message.objects.filter(collaborative=collaborative).values_list("status", flat=True))
    assert statuses == ["pending", "sent", "sent", "sent", "skipped"]


def test_member_turns_off_welcome_emails_and_sees_what_was_sent(page, axe, joy, mailoutbox):
    assert send_due_emails() == 1
    assert len(mailoutbox) == 1

    page.goto("/")
    sign_in(page, joy.email)
    expect(heading(page, LAMBETH)).to_be_visible()  # Their only Collaborative opens straight away.
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Your profile").click()
    expect(heading(page, "Your profile")).to_be_visible()

    page.get_by_role("link", name="Choose which emails you get").click()
    expect(page).to_have_url(re.compile(r"/emails/$"))
    expect(heading(page, "Emails you get")).to_be_visible()
    welcome = page.get_by_role("checkbox", name=WELCOME.label)
    expect(welcome).to_be_checked()  # Every kind is on until the person says otherwise.
    expect(welcome).to_have_accessible_description(WELCOME.description)
    axe(page)

    welcome.uncheck()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_have_text("Your email choices have been saved.")
    expect(welcome).not_to_be_checked()
    axe(page)

    page.reload()
    expect(heading(page, "Emails you get")).to_be_visible()
    expect(welcome).not_to_be_checked()
    assert not Preference.objects.get(user=joy, kind=WELCOME.key).enabled

    page.get_by_role("link", name="See the emails we have sent you").click()
    expect(page).to_have_url(re.compile(r"/emails/sent-to-you/$"))
    expect(heading(page, "Emails sent to you")).to_be_visible()
    rows = body_rows(page, "Emails sent to you, newest first")
    expect(rows).to_have_count(1)
    cells = rows.first.get_by_role("cell")
    expect(cells.nth(0)).to_have_text(mailoutbox[0].subject)
    expect(cells.nth(1)).to_have_text(LAMBETH)
    expect(cells.nth(3)).to_have_text("Sent")
    axe(page)


def test_unsubscribe_link_from_the_email_works_signed_out(new_page, axe, live_server, joy, mailoutbox):
    send_due_emails()
    [email] = mailoutbox
    link = re.search(r"^Stop emails like this one: (\S+)$", email.body, re.MULTILINE).group(1)
    # Mail programs offer the same link as a one-click button.
    assert email.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert link.startswith(settings.SITE_URL)
    link = live_server.url + link.removeprefix(settings.SITE_URL.rstrip("/"))

    page = new_page()
    page.goto(link)
    expect(heading(page, "Stop these emails?")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"Stop sending you “{WELCOME.label}” emails?")
    # The person is not signed in, and opening the link changed nothing.
    expect(page.get_by_role("link", name="Your profile")).to_have_count(0)
    assert not Preference.objects.filter(user=joy).exists()
    axe(page)

    page.get_by_role("button", name="Yes, stop these emails").click()
    expect(heading(page, "Emails turned off")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"We will not send you any more “{WELCOME.label}” emails.")
    expect(page.get_by_role("link", name="Emails you get")).to_be_visible()
    axe(page)
    assert not Preference.objects.get(user=joy, kind=WELCOME.key).enabled

    # One changed character in the signed token and the link is refused.
    token = link.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = page.goto(link.replace(token, tampered))
    assert response.status == 400
    expect(heading(page, "This link does not work")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, stop these emails")).to_have_count(0)
    axe(page)


def test_facilitator_filters_emails_sent_in_place(page, axe, amina, lambeth_emails):
    page.goto("/c/lambeth/")
    sign_in(page, amina.email)
    expect(heading(page, LAMBETH)).to_be_visible()
    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Emails sent").click()
    expect(page).to_have_url(re.compile(r"/c/lambeth/emails/$"))
    expect(heading(page, EMAILS_SENT)).to_be_visible()

    rows = body_rows(page, EMAILS_SENT)
    expect(rows).to_have_count(5)
    for name, status in [
        ("Amina Okafor", "Sent"),
        ("Joy Mensah", "Sent"),
        ("Ravi Shah", "Sent"),
        ("Kit Walsh", "Not sent"),
        ("Lee Whitworth", "Waiting to be sent"),
    ]:
        expect(rows.filter(has_text=name).get_by_role("cell").nth(3)).to_contain_text(status)
    expect(rows.filter(has_text="Kit Walsh")).to_contain_text("The member has turned off this kind of email.")
    axe(page)

    # A full page load would clear this mark; htmx swapping the table keeps it.
    page.evaluate("window.samePage = true")
    page.get_by_label("Name or email").fill("joy")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/c/lambeth/emails/\?q=joy(&|$)"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Joy Mensah")
    assert page.evaluate("window.samePage") is True
    # The table is replaced, not put inside the old one.
    expect(page.locator("#message-table")).to_have_count(1)
    axe(page)

    page.get_by_label("Name or email").fill("")
    page.get_by_label("Status").select_option(label="Not sent")
    expect(page).to_have_url(re.compile(r"[?&]status=skipped(&|$)"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kit Walsh")
    assert page.evaluate("window.samePage") is True
    expect(page.locator("#message-table")).to_have_count(1)
    axe(page)

    page.get_by_label("Name or email").fill("nobody-here")
    page.get_by_label("Status").select_option(label="Any status")
    expect(page.get_by_role("table", name=EMAILS_SENT)).to_have_count(0)
    expect(page.locator("#message-table")).to_contain_text("No emails match.")
    # The count is announced from a status line that stays in place.
    expect(page.locator("#message-count")).to_have_text("0 emails.")
    expect(page.get_by_role("status").filter(has_text="0 emails.")).to_have_count(1)
    axe(page)


def test_facilitator_filters_emails_sent_without_javascript(new_page, amina, lambeth_emails):
    page = new_page(java_script_enabled=False)
    page.goto("/c/lambeth/emails/")
    sign_in(page, amina.email)
    expect(heading(page, EMAILS_SENT)).to_be_visible()
    rows = body_rows(page, EMAILS_SENT)
    expect(rows).to_have_count(5)

    page.get_by_label("Name or email").fill("joy")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/c/lambeth/emails/\?q=joy&status=&kind=$"))
    expect(page.get_by_label("Name or email")).to_have_value("joy")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Joy Mensah")

    page.get_by_label("Name or email").fill("")
    page.get_by_label("Status").select_option(label="Waiting to be sent")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("Status")).to_have_value("pending")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lee Whitworth")
    # No axe here: axe is JavaScript, and with JavaScript off Playwright's evaluate hangs
    # instead of failing. The 320px test runs axe on a page loaded from such a query string.


def test_email_pages_fit_a_320px_phone(new_page, axe, amina, lambeth_emails):
    page = new_page(viewport={"width": 320, "height": 640})
    # The address the filter form leads to without JavaScript: a whole page, filtered.
    page.goto("/c/lambeth/emails/?q=&status=sent&kind=")
    sign_in(page, amina.email)
    rows = body_rows(page, EMAILS_SENT)
    expect(rows).to_have_count(3)
    expect(page.get_by_label("Status")).to_have_value("sent")
    assert_fits_320px(page)
    axe(page)

    page.get_by_label("Status").select_option(label="Any status")
    expect(rows).to_have_count(5)
    assert_fits_320px(page)
    axe(page)

    page.goto("/emails/")
    expect(heading(page, "Emails you get")).to_be_visible()
    assert_fits_320px(page)
    axe(page)

    page.goto("/emails/sent-to-you/")
    expect(body_rows(page, "Emails sent to you, newest first")).to_have_count(1)
    assert_fits_320px(page)
    axe(page)
