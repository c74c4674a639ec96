""" "Emails sent to you" on a 390 px phone (issue 15, item 6): why one was not sent, in plain words,
and an email opened to read again. The emails are real: queued by the services, sent (or skipped
as stale) by the delivery code."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from meetings.models import Venue
from meetings.services import meeting_cancel, meeting_schedule
from members.services import membership_create
from notifications.delivery import messages_claim, messages_send
from tests.browser.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

TABLE = "Emails sent to you, newest first"


def send_due_emails() -> None:
    claim, ids = messages_claim()
    messages_send(claim=claim, ids=ids)


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def test_a_member_on_a_phone_reads_why_and_reads_an_email_again(new_page, axe, collaborative, people, mailoutbox):
    kit = UserFactory(display_name="Kit Walsh")
    membership_create(user=kit, collaborative=collaborative)
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe", address="1 High Street")
    meeting = meeting_schedule(
        collaborative=collaborative,
        by=people["facilitator"],
        day=timezone.localdate() + timedelta(days=7),
        start=time(10),
        end=time(12, 30),
        venue=venue,
    )
    # Cancelled before the worker got to "A new meeting": that email is stale and is not sent.
    meeting_cancel(meeting=meeting, by=people["facilitator"])
    send_due_emails()
    welcome = next(email for email in mailoutbox if email.to == [kit.email] and "Welcome" in email.subject)

    page = new_page(viewport={"width": 390, "height": 844})
    page.goto("/emails/sent-to-you/")
    sign_in(page, kit.email)
    expect(heading(page, "Emails sent to you")).to_be_visible()
    rows = page.get_by_role("table", name=TABLE).locator("tbody").get_by_role("row")
    expect(rows.filter(has_text="New meetings")).to_contain_text("Not sent")
    expect(rows.filter(has_text="New meetings")).to_contain_text("The meeting was cancelled.")
    assert page.locator("table.cards td[data-label='What happened']").count() >= 2
    axe(page)

    page.get_by_role("link", name=welcome.subject).click()
    expect(page).to_have_url(re.compile(r"/emails/sent-to-you/\d+/$"))
    expect(heading(page, welcome.subject)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Hello Kit Walsh,")
    expect(page.get_by_role("main")).to_contain_text(f"to {kit.email}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe(page)
    mine = page.url

    page.get_by_role("link", name="Back to emails sent to you").click()
    page.get_by_role("link", name="New meetings").click()
    expect(page.get_by_role("main")).to_contain_text("Not sent: The meeting was cancelled.")
    expect(page.get_by_role("main")).to_contain_text("This email was not sent, so there is nothing to read.")
    axe(page)

    # Not even a facilitator of the Collaborative may read Kit's email.
    other = new_page(viewport={"width": 390, "height": 844})
    other.goto("/")
    sign_in(other, people["facilitator"].email)
    response = other.goto(mine)
    assert response.status == 404
