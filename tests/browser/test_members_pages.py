"""The members' pages no other browser test visits, on the narrowest phone we support (320 px).

A visitor asks to join from the public page and a facilitator says yes; a facilitator
changes a member's role, ends the membership and brings them back; a member leaves; a
member downloads their data and deletes their account, confirming with a code by email;
and a facilitator invites people with JavaScript off. Each test walks the pages as a
person would, checks nothing scrolls sideways and runs axe on every page it reaches.
"""

import json
import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from members.models import Invitation, JoinRequest, Membership, User
from notifications.delivery import messages_claim, messages_send
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser

LAMBETH = "Lambeth Living Well Collaborative"
PHONE = {"width": 320, "height": 640}


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def assert_fits(page: Page) -> None:
    """Nothing makes the whole page scroll sideways at 320 px."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def send_due_emails() -> int:
    """Do what the worker does: claim every email that is due and send it."""
    claim, ids = messages_claim()
    return messages_send(claim=claim, ids=ids)


@pytest.fixture
def grace(collaborative):
    """Lambeth's only facilitator (with an authenticator app, which sign_in uses)."""
    return MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Grace Okafor"
    ).user


def test_a_visitor_asks_to_join_and_a_facilitator_says_yes(new_page, axe, collaborative, grace, mailoutbox):
    collaborative.is_public = True
    collaborative.description = "A monthly forum in a local cafe."
    collaborative.usual_meeting = "The second Thursday of each month, 10am, at the Cafe on the Green."
    collaborative.save()

    visitor = new_page(viewport=PHONE)
    visitor.goto(f"/join/{collaborative.slug}/")
    expect(heading(visitor, LAMBETH)).to_be_visible()
    expect(visitor.get_by_role("main")).to_contain_text("A monthly forum in a local cafe.")
    expect(visitor.get_by_role("heading", level=2, name="When and where we meet")).to_be_visible()
    expect(visitor.get_by_role("main")).to_contain_text("The second Thursday of each month")
    assert_fits(visitor)
    axe(visitor)

    visitor.get_by_role("button", name="Ask to join").click()  # Nothing filled in.
    summary = visitor.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name="Your name: This field is required.")).to_be_visible()
    expect(summary.get_by_role("link", name="Your email address: This field is required.")).to_be_visible()
    expect(visitor).to_have_title(re.compile(r"^Error: "))
    expect(visitor.get_by_label("Your name")).to_have_attribute("aria-invalid", "true")
    assert_fits(visitor)
    axe(visitor)
    assert not JoinRequest.objects.exists()

    visitor.get_by_label("Your name").fill("Sam Patel")
    visitor.get_by_label("Your email address").fill("sam@example.net")
    visitor.get_by_label("Why you would like to join (optional)").fill("I care for my son.")
    visitor.get_by_role("button", name="Ask to join").click()
    expect(visitor.get_by_role("status")).to_have_text(
        "Thank you. Your request has reached the facilitators. They will reply by email, usually within a week."
    )
    expect(heading(visitor, LAMBETH)).to_be_visible()
    axe(visitor)

    page = new_page(viewport=PHONE)
    page.goto("/")
    sign_in(page, grace.email)
    expect(heading(page, LAMBETH)).to_be_visible()
    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Invite people").click()
    expect(heading(page, "Invite people")).to_be_visible()
    page.get_by_role("link", name="1 request to join").click()
    expect(heading(page, "Requests to join")).to_be_visible()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Sam Patel"))
    expect(card).to_contain_text("sam@example.net")
    expect(card).to_contain_text("I care for my son.")
    assert_fits(page)
    axe(page)

    page.get_by_label("A message to Sam Patel (optional)").fill("See you on Thursday!")
    page.get_by_role("button", name="Say yes to Sam Patel").click()
    expect(page.get_by_role("status")).to_have_text("Sam Patel will get an email with a link to join.")
    expect(page.get_by_role("main")).to_contain_text("No requests are waiting.")
    earlier = page.get_by_role("table", name="Earlier requests to join")
    expect(earlier).to_contain_text("Accepted by Grace Okafor")
    assert_fits(page)
    axe(page)

    send_due_emails()  # The facilitators' note about the request, and the answer to Sam.
    [email] = [email for email in mailoutbox if email.to == ["sam@example.net"]]
    assert "See you on Thursday!" in email.body
    site = re.escape(settings.SITE_URL.rstrip("/"))
    link = re.search(site + r"(/invitations/\S+/)", email.body).group(1)
    visitor.goto(link)
    expect(heading(visitor, f"Join {LAMBETH}")).to_be_visible()
    axe(visitor)
    assert JoinRequest.objects.get().invitation == Invitation.objects.get(email="sam@example.net")


def test_a_facilitator_changes_a_role_ends_a_membership_and_brings_it_back(new_page, axe, collaborative, grace):
    kit = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    page = new_page(viewport=PHONE)
    page.goto("/")
    sign_in(page, grace.email)
    nav = page.get_by_role("navigation", name=LAMBETH)

    # The only facilitator cannot make themselves a member: the Collaborative needs one.
    nav.get_by_role("link", name="Members").click()
    page.get_by_role("main").get_by_role("link", name="Grace Okafor").click()
    page.get_by_role("link", name="Role and membership").click()
    expect(heading(page, "Grace Okafor's membership")).to_be_visible()
    page.get_by_role("radio", name="Member").check()
    page.get_by_role("button", name="Save role").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "A Collaborative needs at least one facilitator. Make someone else a facilitator first."
    )
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_fits(page)
    axe(page)
    assert Membership.objects.get(user=grace).role == Membership.Role.FACILITATOR

    nav.get_by_role("link", name="Members").click()
    expect(heading(page, "Members")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Kit Walsh").click()
    expect(heading(page, "Kit Walsh")).to_be_visible()
    page.get_by_role("link", name="Role and membership").click()
    expect(heading(page, "Kit Walsh's membership")).to_be_visible()
    expect(page.get_by_role("radio", name="Member")).to_be_checked()
    assert_fits(page)
    axe(page)

    page.get_by_role("radio", name="Facilitator").check()
    page.get_by_role("button", name="Save role").click()
    expect(page.get_by_role("status")).to_have_text("Kit Walsh is now a facilitator.")
    expect(page.get_by_role("radio", name="Facilitator")).to_be_checked()
    history = page.get_by_role("list").filter(has_text="joined")
    expect(history).to_contain_text("Role: Member to Facilitator (Grace Okafor)")
    axe(page)

    page.get_by_role("button", name="Deactivate Kit Walsh's membership").click()
    expect(page.get_by_role("status")).to_have_text(
        "Kit Walsh's membership has ended. You can reactivate it at any time."
    )
    expect(page.get_by_role("main")).to_contain_text("Deactivated by a facilitator on")
    expect(history).to_contain_text("Status: Active to Deactivated by a facilitator (Grace Okafor)")
    assert_fits(page)
    axe(page)

    nav.get_by_role("link", name="Invite people").click()
    page.get_by_role("link", name="Former members").click()
    expect(heading(page, "Former members")).to_be_visible()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Kit Walsh"))
    expect(card).to_contain_text("Was a facilitator.")
    assert_fits(page)
    axe(page)

    card.get_by_role("link", name="Kit Walsh").click()
    page.get_by_role("button", name="Reactivate Kit Walsh's membership").click()
    expect(page.get_by_role("status")).to_have_text("Kit Walsh is a member again.")
    expect(page.get_by_role("button", name="Deactivate Kit Walsh's membership")).to_be_visible()
    axe(page)

    membership = Membership.objects.get(user=kit)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.role == Membership.Role.FACILITATOR


def test_a_member_leaves_the_collaborative(new_page, axe, collaborative):
    member = MembershipFactory(collaborative=collaborative).user
    page = new_page(viewport=PHONE)
    page.goto("/")
    sign_in(page, member.email)
    expect(heading(page, LAMBETH)).to_be_visible()  # Their only Collaborative opens straight away.

    page.get_by_role("link", name=f"Leave {LAMBETH}").click()
    expect(heading(page, f"Leave {LAMBETH}")).to_be_visible()
    expect(page.get_by_role("link", name="Stay")).to_be_visible()
    assert_fits(page)
    axe(page)

    page.get_by_role("button", name=f"Leave {LAMBETH}").click()
    expect(heading(page, "Your Collaboratives")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        f"You have left {LAMBETH}. What you took part in stays on record. "
        "A facilitator can invite you back at any time."
    )
    expect(page.get_by_role("main")).to_contain_text("You are not part of a Collaborative yet.")
    assert_fits(page)
    axe(page)
    assert Membership.objects.get(user=member).status == Membership.Status.LEFT


def test_a_member_downloads_their_data_then_deletes_their_account_with_an_emailed_code(
    new_page, axe, collaborative, mailoutbox
):
    member = MembershipFactory(collaborative=collaborative, user__display_name="Joy Mensah").user
    page = new_page(viewport=PHONE)
    page.goto("/")
    sign_in(page, member.email)
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Your profile").click()
    page.get_by_role("link", name="Download your data").click()
    expect(heading(page, "Your data")).to_be_visible()
    assert_fits(page)
    axe(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    download = download_info.value
    assert re.fullmatch(r"my-data-living-well-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as file:
        data = json.load(file)
    assert data["account"]["email"] == member.email

    page.get_by_role("link", name="Delete my account").click()
    expect(heading(page, "Delete your account")).to_be_visible()
    assert_fits(page)
    axe(page)
    page.get_by_label("I understand that my account and my personal data will be deleted").check()
    page.get_by_role("button", name="Delete my account").click()

    # allauth asks them to confirm it is them; they choose a code by email.
    expect(heading(page, "Confirm it is you")).to_be_visible()
    assert_fits(page)
    axe(page)
    page.get_by_role("link", name="Email me a code").click()
    expect(heading(page, "Confirm it is you")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"We can email a code to {member.email}.")
    axe(page)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("status")).to_have_text(f"We have sent a code to {member.email}. It works for 10 minutes.")
    expect(page.get_by_role("button", name="Send me a new code")).to_be_visible()
    assert_fits(page)
    axe(page)
    assert User.objects.get(pk=member.pk).is_active, "Nothing changes before the code is typed."

    assert mailoutbox[-1].to == [member.email]
    code = re.search(r"Your code is: (\d{6})", mailoutbox[-1].body).group(1)
    page.get_by_label("The code from the email").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(heading(page, "Your account has been deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Your profile")).to_have_count(0)  # Signed out.
    assert_fits(page)
    axe(page)

    member.refresh_from_db()
    assert member.display_name == "Former member"
    assert not member.is_active


def test_a_facilitator_invites_people_without_javascript(new_page, axe, collaborative, grace):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(f"/c/{collaborative.slug}/invitations/")
    sign_in(page, grace.email)
    expect(heading(page, "Invite people")).to_be_visible()

    page.get_by_label("Email addresses").fill("joy@example.net\njoy at example dot net")
    with page.expect_navigation():
        page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text("1 invitation sent: joy@example.net.")
    report = page.get_by_role("alert")
    expect(report.get_by_role("heading", name="1 address needs a look")).to_be_visible()
    expect(report.get_by_role("listitem")).to_have_text(
        "joy at example dot net is not an email address. Check it for spaces or missing parts."
    )
    # The line to correct is back in the box; the address that worked is not.
    expect(page.get_by_label("Email addresses")).to_have_value("joy at example dot net")
    expect(page.get_by_role("main")).to_contain_text("Waiting for an answer")
    assert_fits(page)
    assert list(Invitation.objects.values_list("email", flat=True)) == ["joy@example.net"]

    # axe is JavaScript, and with JavaScript off Playwright's evaluate hangs instead of
    # failing; so the same session, with JavaScript on, sends the corrected line and axe
    # checks the report.
    checked = new_page(viewport=PHONE, storage_state=page.context.storage_state())
    checked.goto(f"/c/{collaborative.slug}/invitations/")
    checked.get_by_label("Email addresses").fill("kit@example.net\nkit at example")
    checked.get_by_role("button", name="Send invitations").click()
    expect(checked.get_by_role("alert")).to_contain_text("kit at example is not an email address.")
    assert_fits(checked)
    axe(checked)
