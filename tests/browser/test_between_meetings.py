"""Between meetings on a phone (issue 18, "Done means"): a member comments in a discussion, in place with
JavaScript and by a plain form post without it; votes in a proposal (Disagree without a reason is refused, with
one it is accepted); and, once the facilitator has closed it and written the outcome, reads the outcome. A
facilitator runs a quick poll during a meeting from the meeting's page; a member votes on their phone, and the
results on the facilitator's screen update by themselves. axe on every page; nothing wider than the phone.

One test, so that the facilitator signs in once (allauth takes each two-step code once).
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from discussions.models import Comment, Poll, Vote
from discussions.polls import poll_open
from discussions.services import thread_start
from members.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import MeetingFactory, MembershipFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}
TITLE = "A quieter space at our meetings"
WITH_JS = "Yes please. The back room is free on Thursday mornings."
WITHOUT_JS = "A ten-minute break halfway through would help too."
PROPOSAL = "Hold every other meeting in the evening"
REASON = "The cafe closes at 5, and a hall costs money we do not have yet."
OUTCOME = "Not agreed for now: we will look for a free room open in the evenings first."
QUICK = "Shall we write to the ICB this month?"


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def fits(page: Page) -> None:
    """Nothing wider than the screen: no sideways scrolling on the phone."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def status(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def test_a_member_comments_votes_and_reads_the_outcome_and_a_facilitator_runs_a_quick_poll(
    new_page, axe, collaborative
):
    facilitator = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Fran Facilitator"
    ).user
    member = MembershipFactory(collaborative=collaborative, user__display_name="Mo Member").user
    voter = MembershipFactory(collaborative=collaborative, user__display_name="Val Voter").user
    now = timezone.now()
    thread = thread_start(
        collaborative=collaborative,
        by=facilitator,
        title=TITLE,
        text="The cafe gets loud by about 11. Could we have a quieter corner?",
    )
    proposal = poll_open(
        collaborative=collaborative,
        by=facilitator,
        type=Poll.Type.PROPOSAL,
        question=PROPOSAL,
        details="So that people who work or care in the daytime can come.",
        closes_at=now + timedelta(days=3),
    )
    meeting = MeetingFactory(
        collaborative=collaborative, starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2)
    )
    slug = collaborative.slug

    # 1. The member opens the discussion on a phone and comments: the comment appears in place.
    phone = new_page(viewport=PHONE)
    phone.goto(f"/c/{slug}/discussions/")
    sign_in(phone, member.email)
    expect(heading(phone, "Discussions")).to_be_visible()
    fits(phone)
    axe(phone)
    phone.get_by_role("link", name=TITLE).click()
    expect(heading(phone, TITLE)).to_be_visible()
    fits(phone)
    axe(phone)
    phone.evaluate("window.stayedOnThePage = true")
    phone.get_by_label("Your comment").fill(WITH_JS)
    phone.get_by_role("button", name="Add your comment").click()
    comments = phone.get_by_role("region", name="Comments")
    expect(comments.get_by_role("listitem").filter(has_text=WITH_JS)).to_be_visible()
    expect(status(phone, "Your comment has been added.")).to_be_attached()
    expect(phone.get_by_label("Your comment")).to_have_value("")
    assert phone.evaluate("window.stayedOnThePage") is True, "Added in place, without loading the page again."
    fits(phone)
    axe(phone)

    # 2. Without JavaScript, the same form is a plain post that comes back to the discussion.
    plain = new_page(viewport=PHONE, java_script_enabled=False, storage_state=phone.context.storage_state())
    plain.goto(thread.get_absolute_url())
    plain.get_by_label("Your comment").fill(WITHOUT_JS)
    with plain.expect_navigation():
        plain.get_by_role("button", name="Add your comment").click()
    expect(heading(plain, TITLE)).to_be_visible()
    listed = plain.get_by_role("region", name="Comments").get_by_role("listitem")
    expect(listed.filter(has_text=WITHOUT_JS)).to_be_visible()
    fits(plain)
    assert list(Comment.objects.filter(thread=thread, author=member).values_list("text", flat=True)) == [
        WITH_JS,
        WITHOUT_JS,
    ]

    # 3. The member votes in the proposal (from the link in its email): names are said to show, before voting.
    phone.goto(proposal.get_absolute_url())
    expect(heading(phone, PROPOSAL)).to_be_visible()
    expect(phone.get_by_role("main")).to_contain_text("Everyone will see how you voted.")
    fits(phone)
    axe(phone)
    phone.get_by_role("radio", name="Disagree").check()
    phone.get_by_role("button", name="Vote").click()
    expect(phone.get_by_role("main")).to_contain_text("Say why you disagree: the others need to know.")
    expect(phone.get_by_role("radio", name="Disagree")).to_be_checked()
    fits(phone)
    axe(phone)
    assert not Vote.objects.filter(poll=proposal).exists()
    phone.get_by_label("Why").fill(REASON)
    phone.get_by_role("button", name="Vote").click()
    expect(status(phone, "Your vote is in.")).to_be_visible()
    fits(phone)
    axe(phone)
    assert Vote.objects.get(poll=proposal, user=member).reason == REASON

    # 4. The facilitator closes the proposal and writes the outcome.
    desk = new_page()
    desk.goto(proposal.get_absolute_url())
    sign_in(desk, facilitator.email)
    expect(heading(desk, PROPOSAL)).to_be_visible()
    axe(desk)
    desk.get_by_role("link", name="Close it now").click()
    expect(heading(desk, f"Close “{PROPOSAL}” now?")).to_be_visible()
    axe(desk)
    desk.get_by_role("button", name="Close the poll now").click()
    expect(heading(desk, f"What came of “{PROPOSAL}”")).to_be_visible()
    expect(status(desk, "The poll is closed. Now write what came of it.")).to_be_visible()
    axe(desk)
    desk.get_by_label("What came of it").fill(OUTCOME)
    desk.get_by_role("button", name="Save and email every member").click()
    expect(status(desk, "The outcome is saved")).to_be_visible()
    axe(desk)

    # 5. The member sees the outcome, and the results with their reason.
    phone.reload()
    expect(phone.get_by_role("region", name="What came of it")).to_contain_text(OUTCOME)
    results = phone.get_by_role("region", name="Results")
    expect(results).to_contain_text("1 person voted.")
    expect(results).to_contain_text(REASON)
    expect(phone.get_by_role("button", name="Vote")).to_have_count(0)
    fits(phone)
    axe(phone)

    # 6. During the meeting, the facilitator runs a quick poll from the meeting's page, results shown live.
    desk.goto(meeting.get_absolute_url())
    expect(heading(desk, meeting.title)).to_be_visible()
    axe(desk)
    desk.get_by_role("region", name="Quick polls").get_by_role("link", name="Run a quick poll").click()
    expect(heading(desk, f"Run a quick poll in {meeting.title}")).to_be_visible()
    axe(desk)
    expect(desk.get_by_role("radio", name="Choose one", exact=True)).to_be_checked()
    desk.get_by_label("The question, or what is proposed").fill(QUICK)
    desk.get_by_label("Options to choose from, one on each line").fill("Yes\nNo\nNot sure yet")
    desk.get_by_role("radio", name="As the votes come in").check()
    desk.get_by_role("button", name="Open it").click()
    expect(heading(desk, QUICK)).to_be_visible()
    expect(status(desk, "The poll is open.")).to_be_visible()
    live = desk.get_by_role("region", name="Results")
    expect(live).to_contain_text("0 people voted.")
    axe(desk)
    desk.evaluate("window.stayedOnThePage = true")

    # 7. A member in the room votes on their phone, from the meeting's page.
    room = new_page(viewport=PHONE)
    room.goto(meeting.get_absolute_url())
    sign_in(room, voter.email)
    expect(heading(room, meeting.title)).to_be_visible()
    fits(room)
    axe(room)
    room.get_by_role("region", name="Quick polls").get_by_role("link", name=QUICK).click()
    expect(heading(room, QUICK)).to_be_visible()
    fits(room)
    axe(room)
    room.get_by_role("radio", name="Yes").check()
    room.get_by_role("button", name="Vote").click()
    expect(status(room, "Your vote is in.")).to_be_visible()
    fits(room)
    axe(room)

    # 8. The facilitator's results update by themselves (htmx, every few seconds), without reloading the page.
    expect(live).to_contain_text("1 person voted.", timeout=10_000)
    expect(live).to_contain_text("Val Voter: Yes")
    assert desk.evaluate("window.stayedOnThePage") is True
    axe(desk)
