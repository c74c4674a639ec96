"""At phone width, a facilitator invites two people, one pasted with a name; that one follows
the link from the email (which greets them by it), makes an account with the name filled in,
agrees to the ground rules and appears in the directory. axe on every page.

The emails are real: the invitations are queued by the live server and the delivery
services send them to Django's test outbox, so the link followed is the one in the email.
"""

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from members.models import Invitation, Membership
from notifications.delivery import messages_claim, messages_send
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser

LAMBETH = "Lambeth Living Well Collaborative"
PHONE = {"width": 375, "height": 740}


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def send_due_emails() -> int:
    """Do what the worker does: claim every email that is due and send it."""
    claim, ids = messages_claim()
    return messages_send(claim=claim, ids=ids)


def test_a_facilitator_invites_two_people_and_one_joins_from_the_email(new_page, axe, collaborative, mailoutbox):
    # Facilitators have two-step sign-in (the factory sets up their authenticator app).
    facilitator = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Grace Okafor"
    ).user

    page = new_page(viewport=PHONE)
    page.goto("/")
    sign_in(page, facilitator.email)  # With the code from their app, which sign_in types.
    expect(heading(page, LAMBETH)).to_be_visible()
    axe(page)

    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Invite people").click()
    expect(heading(page, "Invite people")).to_be_visible()
    axe(page)
    page.get_by_label("Email addresses").fill("joy@example.net\nKit Walsh <kit@example.net>")
    page.get_by_label("A personal message (optional)").fill("Come and meet us at the cafe.")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("status")).to_contain_text("2 invitations sent: joy@example.net, kit@example.net.")
    expect(page.get_by_role("main")).to_contain_text("Waiting for an answer")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe(page)

    assert send_due_emails() == 2
    assert sorted(email.to[0] for email in mailoutbox) == ["joy@example.net", "kit@example.net"]
    [email] = [email for email in mailoutbox if email.to == ["kit@example.net"]]
    assert email.body.startswith("Hello Kit Walsh,")
    assert "Come and meet us at the cafe." in email.body
    site = re.escape(settings.SITE_URL.rstrip("/"))
    link = re.search(site + r"(/invitations/\S+/)", email.body).group(1)

    newcomer = new_page(viewport=PHONE)
    newcomer.goto(link)
    expect(heading(newcomer, f"Join {LAMBETH}")).to_be_visible()
    expect(newcomer.get_by_role("main")).to_contain_text("Come and meet us at the cafe.")
    axe(newcomer)

    newcomer.get_by_role("link", name="Make an account").click()
    expect(heading(newcomer, "Create an account")).to_be_visible()
    expect(newcomer.get_by_label("Email")).to_have_value(email.to[0])
    expect(newcomer.get_by_label("Your name")).to_have_value("Kit Walsh")
    # Nothing to confirm: the invitation's link did (issue 15, item 13).
    expect(newcomer.get_by_role("main")).to_contain_text(
        "Your invitation link has already confirmed your email address"
    )
    expect(newcomer.get_by_role("main")).not_to_contain_text("We will email you a link to confirm")
    axe(newcomer)
    newcomer.get_by_label("Password", exact=True).fill("a-long-new-password-7")
    newcomer.get_by_label("Password (again)").fill("a-long-new-password-7")
    newcomer.get_by_role("button", name="Create account").click()

    # No confirmation email to wait for: the link from the email proved the address.
    expect(heading(newcomer, f"Join {LAMBETH}")).to_be_visible()
    expect(newcomer.get_by_role("heading", level=2, name="Our ground rules")).to_be_visible()
    expect(newcomer.get_by_role("main")).to_contain_text("We meet as equals.")
    axe(newcomer)
    newcomer.get_by_role("button", name=f"I agree to the ground rules: join {LAMBETH}").click()

    expect(heading(newcomer, LAMBETH)).to_be_visible()
    expect(newcomer.get_by_role("status")).to_contain_text(f"Welcome to {LAMBETH}. You can now take part.")
    expect(newcomer.get_by_role("status")).to_contain_text("If you have any access or dietary needs")
    axe(newcomer)

    newcomer.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Members").click()
    expect(heading(newcomer, "Members")).to_be_visible()
    expect(newcomer.get_by_role("main").get_by_role("link", name="Kit Walsh")).to_be_visible()
    assert newcomer.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe(newcomer)

    assert Invitation.objects.get(email=email.to[0]).status == Invitation.Status.ACCEPTED
    assert Membership.objects.get(user__email=email.to[0], collaborative=collaborative).role == Membership.Role.MEMBER
