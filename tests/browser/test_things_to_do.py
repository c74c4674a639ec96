"""A member on a phone (390 px) finds what is waiting for them in "Things to do" at the top of the home page and
does each thing one tap away: says whether they are coming to the next meeting, says how an overdue action is
going, adds an idea to a draft of the vision, and answers the open self-assessment round. Each goes from the
card once done, and then the card says there is nothing to do. axe runs on every page visited (issue 15, item 3).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from actions.models import Action
from meetings.models import Rsvp
from tests.browser.conftest import sign_in
from tests.browser.test_meetings import LAMBETH, heading
from tests.factories import ActionFactory, MeetingFactory, MembershipFactory
from vision.models import Contribution, Response, Round
from vision.services import round_open, version_adopt, version_draft

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def to_do(page: Page):
    return page.get_by_role("region", name="Things to do")


def home(page: Page) -> None:
    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name=f"{LAMBETH} home").click()
    expect(heading(page, LAMBETH)).to_be_visible()


def test_a_member_on_a_phone_does_each_thing_to_do_from_the_home_page(new_page, axe, collaborative):
    grace = MembershipFactory(collaborative=collaborative, role="facilitator", user__display_name="Grace Okafor").user
    kit = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    today = collaborative.local_today()
    first = version_draft(collaborative=collaborative, by=grace, statement="Help is easy to get.", values=[])
    version_adopt(version=first, by=grace)
    draft = version_draft(collaborative=collaborative, by=grace, statement="Help is close to home.", values=[])
    closing_day = today + timedelta(days=10)
    round = round_open(collaborative=collaborative, by=grace, title="Autumn check-in", closing_day=closing_day)
    meeting = MeetingFactory(collaborative=collaborative)
    action = ActionFactory(
        collaborative=collaborative, owner=kit, title="Ask the library for a room", due_on=today - timedelta(days=3)
    )

    page = new_page(viewport=PHONE)
    page.goto("/")
    sign_in(page, kit.email)
    expect(heading(page, LAMBETH)).to_be_visible()
    card = to_do(page)
    expect(card).to_be_in_viewport()
    expect(card.get_by_role("listitem")).to_have_count(4)
    axe(page)

    # The next meeting: the link goes to "Are you coming?" on the same page.
    day = f"{meeting.local_start:%A} {meeting.local_start.day} {meeting.local_start:%B}"
    card.get_by_role("link", name=f"Say if you are coming to the meeting on {day}").click()
    expect(page).to_have_url(re.compile(rf"#rsvp-{meeting.pk}$"))
    coming = page.get_by_role("group", name="Are you coming?")
    expect(coming).to_be_in_viewport()
    coming.get_by_role("button", name="Coming").click()
    expect(page.locator(f"#rsvp-{meeting.pk}").get_by_role("status")).to_contain_text("You said: coming.")
    assert Rsvp.objects.get(meeting=meeting, user=kit).answer == Rsvp.Answer.COMING
    # The card fetches itself again: no need to reload the page.
    expect(card.get_by_role("listitem")).to_have_count(3)
    expect(card).not_to_contain_text("Say if you are coming")

    # The overdue action: the link goes to "My actions", where its status is changed.
    card.get_by_role("link", name="1 of your actions is overdue").click()
    expect(page).to_have_url(re.compile(r"#my-actions-heading$"))
    mine = page.get_by_role("region", name="My actions")
    expect(mine.get_by_role("heading", name="My actions")).to_be_in_viewport()
    mine.get_by_label("Status of Ask the library for a room").select_option("done")
    mine.get_by_role("button", name="Save the status of Ask the library for a room").click()
    expect(mine.get_by_role("status")).to_have_text("Saved.")
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    expect(card.get_by_role("listitem")).to_have_count(2)
    expect(card).not_to_contain_text("overdue")
    axe(page)

    # The draft of the vision: its page, where the idea is added.
    card.get_by_role("link", name="Add your ideas to the draft vision (version 2)").click()
    expect(heading(page, "Vision, version 2 (draft)")).to_be_visible()
    axe(page)
    page.get_by_role("textbox", name="Your idea or comment").fill("Say that carers can come too.")
    page.get_by_role("button", name="Add it").click()
    expect(page.get_by_role("status")).to_have_text("Thank you: your idea or comment has been added.")
    assert Contribution.objects.filter(version=draft, author=kit).exists()
    home(page)
    expect(card.get_by_role("listitem")).to_have_count(1)

    # The self-assessment round: its answers, every statement.
    card.get_by_role("link", name="Say how we are doing: give your answers").click()
    expect(heading(page, "Autumn check-in: how are we doing?")).to_be_visible()
    axe(page)
    for radio in page.get_by_role("radio", name="Don't know", exact=True).all():
        radio.check()
    page.get_by_role("button", name="Save my answers").last.click()
    expect(page.locator("#progress")).to_have_text("You have answered 25 of 25 statements.")
    assert Response.objects.get(round=round, user=kit).answers.count() == 25
    home(page)
    expect(card).to_contain_text("Nothing for you to do just now.")
    expect(card.get_by_role("listitem")).to_have_count(0)
    axe(page)

    # With no round open, the self-assessment page says so, and that the member will be emailed.
    now = timezone.now()
    Round.objects.filter(pk=round.pk).update(opened_at=now - timedelta(days=20), closes_at=now - timedelta(days=1))
    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Vision").click()
    page.get_by_role("link", name="How are we doing? (self-assessment)").click()
    expect(page.get_by_role("main")).to_contain_text(
        "No round is open just now. When one opens, we will email you to ask for your answers."
    )
    axe(page)
