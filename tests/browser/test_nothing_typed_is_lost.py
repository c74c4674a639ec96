"""Nothing a person types is lost (issue 12, item 14), in the browser.

On the notes page, notes typed and then "Record the decision" records the decision and keeps
(and saves) the notes, with JavaScript and without it. A page with words typed but not saved
asks before it is left (static/js/site.js, opted into by data-warn-unsaved), and no longer asks
once they are saved, by a plain form or by htmx. On an action's page, "Save the status" also
adds the update typed below it. Without JavaScript, on the commissioners' review, the vision's draft, the
invitations, the requests to join and the home page, pressing one button keeps what was typed for another
(and with JavaScript, htmx still saves in place). axe runs on every page visited.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from actions.models import Action
from actions.services import review_round_open
from meetings.models import AgendaItem, Decision, Meeting
from members.models import Invitation, Membership
from tests.browser.conftest import sign_in
from tests.browser.test_meeting_day import the_day_comes
from tests.browser.test_meetings import heading
from tests.factories import (
    InvitationFactory,
    JoinRequestFactory,
    MeetingFactory,
    MembershipFactory,
    VisionVersionFactory,
    action_record,
)
from vision.services import contribution_add

pytestmark = pytest.mark.browser

NOTES = "Waits for talking therapies are **six months**."
DECISION = "Write to the trust about waiting times."


def accessible(axe, page: Page) -> None:
    page.wait_for_load_state("load")
    axe(page)


class Dialogs:
    """The "leave this page?" questions a page asks, answered "stay" or "leave" as told."""

    def __init__(self, page: Page) -> None:
        self.asked: list[str] = []
        self.leave = False
        page.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        self.asked.append(dialog.type)
        if self.leave:
            dialog.accept()
        else:
            dialog.dismiss()


@pytest.fixture
def facilitator(collaborative):
    return MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Grace Okafor"
    ).user


@pytest.fixture
def meeting(collaborative, facilitator) -> Meeting:
    """A meeting going on now, with an item on its agenda."""
    meeting = the_day_comes(MeetingFactory(collaborative=collaborative))
    AgendaItem.objects.create(
        meeting=meeting, title="Waiting times", status=AgendaItem.Status.ACCEPTED, position=1, decided_by=facilitator
    )
    return meeting


def notes_box(page: Page):
    return page.get_by_label("1. Waiting times")


def test_recording_a_decision_keeps_the_notes_typed_and_leaving_with_unsaved_words_asks_first(
    new_page, axe, meeting, facilitator
):
    page = new_page()
    page.goto("/")
    sign_in(page, facilitator.email)
    page.goto(meeting.get_absolute_url())
    page.get_by_role("link", name="Write the notes and decisions").click()
    expect(heading(page, re.compile(r"^Notes: "))).to_be_visible()
    accessible(axe, page)
    dialogs = Dialogs(page)

    # Notes typed, then a decision recorded: the notes stay in their box, and are saved.
    notes_box(page).fill(NOTES)
    page.get_by_label("What was decided").fill(DECISION)
    page.get_by_label("Under which agenda item (optional)").select_option(label="Waiting times")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_have_text("The decision is recorded. Your notes are saved too.")
    expect(notes_box(page)).to_have_value(NOTES)
    expect(page.get_by_role("main").get_by_role("listitem").filter(has_text=DECISION)).to_be_visible()
    expect(page.get_by_label("What was decided")).to_have_value("")
    accessible(axe, page)
    assert dialogs.asked == []  # Sending the page's own form is not leaving it.
    assert Decision.objects.get().text == DECISION
    assert meeting.agenda_items.get().notes == NOTES

    # "Save the notes" with a decision typed but not recorded: the decision comes back in its box.
    page.get_by_label("What was decided").fill("Meet again in May.")
    page.get_by_role("button", name="Save the notes").click()
    expect(page.get_by_role("main")).to_contain_text(
        "The decision you typed is not recorded yet: press “Record the decision” to record it."
    )
    expect(page.get_by_label("What was decided")).to_have_value("Meet again in May.")
    accessible(axe, page)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_have_text("The decision is recorded.")
    assert Decision.objects.count() == 2
    assert dialogs.asked == []

    # More words typed, then a link: the browser asks first; "stay" keeps the words.
    notes_box(page).press("End")
    notes_box(page).press_sequentially(" Some people wait longer.")
    page.get_by_role("link", name="Back to the meeting").click()
    expect(notes_box(page)).to_have_value(f"{NOTES} Some people wait longer.")
    assert dialogs.asked == ["beforeunload"]

    # Saved: leaving asks nothing.
    page.get_by_role("button", name="Save the notes").click()
    expect(page.get_by_role("status")).to_have_text("The notes are saved. Members see them once you publish.")
    page.get_by_role("link", name="Back to the meeting").click()
    expect(heading(page, "Monthly meeting")).to_be_visible()
    assert dialogs.asked == ["beforeunload"]
    assert meeting.agenda_items.get().notes == f"{NOTES} Some people wait longer."

    # Words typed and the person chooses to leave: they leave.
    page.go_back()
    expect(heading(page, re.compile(r"^Notes: "))).to_be_visible()
    page.get_by_label("Other notes").press_sequentially("Tea was good.")
    dialogs.leave = True
    page.get_by_role("link", name="Back to the meeting").click()
    expect(heading(page, "Monthly meeting")).to_be_visible()
    assert dialogs.asked == ["beforeunload", "beforeunload"]
    assert Meeting.objects.get(pk=meeting.pk).general_notes == ""


def test_without_javascript_recording_a_decision_keeps_the_notes_typed(new_page, axe, meeting, facilitator):
    page = new_page(java_script_enabled=False)
    page.goto("/")
    sign_in(page, facilitator.email)
    page.goto(meeting.get_absolute_url())
    page.get_by_role("link", name="Write the notes and decisions").click()
    notes_box(page).fill(NOTES)
    page.get_by_label("What was decided").fill(DECISION)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_have_text("The decision is recorded. Your notes are saved too.")
    expect(notes_box(page)).to_have_value(NOTES)
    assert (Decision.objects.get().text, meeting.agenda_items.get().notes) == (DECISION, NOTES)

    # "Save the notes" with a decision typed but not recorded: it comes back in its box.
    page.get_by_label("What was decided").fill("Meet again in May.")
    page.get_by_role("button", name="Save the notes").click()
    expect(page.get_by_role("main")).to_contain_text("The decision you typed is not recorded yet")
    expect(page.get_by_label("What was decided")).to_have_value("Meet again in May.")
    assert Decision.objects.count() == 1
    # axe is JavaScript (with JavaScript off Playwright's evaluate hangs): the same session with it on
    # checks the notes page; the test above checks it with a decision carried over.
    checked = new_page(storage_state=page.context.storage_state())
    checked.goto(page.url)
    accessible(axe, checked)


def test_saving_the_status_adds_the_update_typed_on_the_action_page(new_page, axe, collaborative):
    owner = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    action = action_record(collaborative, by=owner, title="Map the crisis cafes")
    page = new_page()
    page.goto("/")
    sign_in(page, owner.email)
    page.goto(action.get_absolute_url())
    expect(heading(page, "Map the crisis cafes")).to_be_visible()
    accessible(axe, page)
    dialogs = Dialogs(page)

    page.get_by_role("textbox", name="What has happened").fill("Found six cafes; the council has the list.")
    page.get_by_label("Status", exact=True).select_option(label="Blocked")
    page.get_by_label("Why (needed for blocked or dropped)").fill("Waiting for the council.")
    page.get_by_role("button", name="Save the status").click()
    expect(page.get_by_role("status")).to_have_text(
        "“Map the crisis cafes” is now blocked. Your update has been added."
    )
    timeline = page.get_by_role("region", name="What has happened")
    expect(timeline).to_contain_text("Found six cafes; the council has the list.")
    expect(page.get_by_role("textbox", name="What has happened")).to_have_value("")
    accessible(axe, page)
    assert dialogs.asked == []
    action.refresh_from_db()
    assert (action.status, action.updates.get().text) == (
        Action.Status.BLOCKED,
        "Found six cafes; the council has the list.",
    )

    # An update half written, then the action log: the browser asks first.
    page.get_by_role("textbox", name="What has happened").press_sequentially("The council replied")
    page.get_by_role("link", name="Actions", exact=True).first.click()
    expect(heading(page, "Map the crisis cafes")).to_be_visible()
    assert dialogs.asked == ["beforeunload"]


def test_words_saved_by_htmx_do_not_ask_before_leaving(new_page, axe, collaborative):
    member = MembershipFactory(collaborative=collaborative, user__display_name="Sam Patel").user
    draft = VisionVersionFactory(collaborative=collaborative)
    page = new_page()
    page.goto("/")
    sign_in(page, member.email)
    page.goto(draft.get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")
    dialogs = Dialogs(page)

    page.get_by_label(re.compile(r"^Your idea or comment")).fill("Say where help is, street by street.")
    page.get_by_role("button", name="Add it").click()
    expect(page.get_by_role("status").filter(has_text="your idea or comment has been added")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True  # Saved by htmx, without a page load.
    accessible(axe, page)
    page.get_by_role("link", name="Actions", exact=True).first.click()
    expect(heading(page, "Actions")).to_be_visible()
    assert dialogs.asked == []


# Pages where one button's form used to throw away what was typed in another's: each is now one form (or its
# buttons belong to the form with the boxes), so without JavaScript the page comes back with the words kept.


def check_as_shown(axe, new_page, page: Page) -> None:
    """axe runs JavaScript, and with JavaScript off Playwright's evaluate hangs: the page as it is shown now (often
    the answer to a POST) is served again, exactly as it is, to a page with JavaScript on in the same session."""
    shown = page.content()
    checked = new_page(storage_state=page.context.storage_state())
    checked.route(
        page.url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=shown)
    )
    checked.goto(page.url)
    accessible(axe, checked)


def messages_shown(page: Page):
    return page.locator(".messages")


def test_without_javascript_marking_one_action_reviewed_keeps_the_comment_typed_for_another(
    new_page, axe, collaborative
):
    owner = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    commissioner = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.COMMISSIONER, user__display_name="Cara Obi"
    ).user
    action_record(collaborative, by=owner, title="Map the crisis cafes")
    action_record(collaborative, by=owner, title="Ask the trust about waits")
    review = review_round_open(collaborative=collaborative, by=commissioner, title="Board report")
    page = new_page(java_script_enabled=False)
    page.goto("/")
    sign_in(page, commissioner.email)
    page.goto(review.get_absolute_url())
    cafes = page.get_by_label("Comment (optional) on Map the crisis cafes")
    waits = page.get_by_label("Comment (optional) on Ask the trust about waits")

    # A comment typed for one action, then another marked reviewed: the first stays in its box, not saved.
    waits.fill("Chase the trust in May.")
    cafes.fill("Six cafes found.")
    page.get_by_role("button", name=re.compile(r"^Mark as reviewed ?: Map the crisis cafes")).click()
    expect(messages_shown(page)).to_contain_text("“Map the crisis cafes” is marked as reviewed.")
    expect(waits).to_have_value("Chase the trust in May.")
    expect(cafes).to_have_value("Six cafes found.")
    check_as_shown(axe, new_page, page)
    assert sorted(review.items.values_list("comment", flat=True)) == ["", "Six cafes found."]

    # Signing off with it still not saved is refused, and keeps it.
    page.get_by_role("button", name="Sign off the review").click()
    expect(messages_shown(page)).to_contain_text("Your comment on “Ask the trust about waits” is not saved yet")
    expect(waits).to_have_value("Chase the trust in May.")
    page.get_by_role("button", name=re.compile(r"^Mark as reviewed ?: Ask the trust about waits")).click()
    page.get_by_role("button", name="Sign off the review").click()
    page.get_by_role("button", name="Yes, sign it off").click()
    expect(messages_shown(page)).to_have_text("The review is signed off. It stays exactly as it is now.")
    assert sorted(review.items.values_list("comment", flat=True)) == ["Chase the trust in May.", "Six cafes found."]


def test_taking_back_a_comment_keeps_the_idea_typed_with_javascript_and_without(new_page, axe, collaborative):
    member = MembershipFactory(collaborative=collaborative, user__display_name="Sam Patel").user
    draft = VisionVersionFactory(collaborative=collaborative)
    contribution_add(version=draft, author=member, text="Say where help is.")
    contribution_add(version=draft, author=member, text="Name the cafes.")
    idea = re.compile(r"^Your idea or comment")

    page = new_page(java_script_enabled=False)
    page.goto("/")
    sign_in(page, member.email)
    page.goto(draft.get_absolute_url())
    page.get_by_label(idea).fill("Street by street.")
    page.get_by_role("button", name=re.compile(r"^Take back my comment ?: Say where help is")).click()
    expect(messages_shown(page)).to_have_text("Your comment has been taken back. Others no longer see it.")
    expect(page.get_by_label(idea)).to_have_value("Street by street.")
    check_as_shown(axe, new_page, page)
    page.get_by_role("button", name="Add it").click()
    expect(messages_shown(page)).to_have_text("Thank you. Your idea or comment has been added.")
    assert list(draft.contributions.filter(status="shown").values_list("text", flat=True).order_by("id")) == [
        "Name the cafes.",
        "Street by street.",
    ]

    # With JavaScript, "Take back" works in place and the idea typed stays too.
    page = new_page(storage_state=page.context.storage_state())
    page.goto(draft.get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label(idea).fill("Open on Saturdays.")
    page.get_by_role("button", name=re.compile(r"^Take back my comment ?: Name the cafes")).click()
    expect(page.get_by_role("status").filter(has_text="Your comment has been taken back.")).to_be_visible()
    expect(page.get_by_label(idea)).to_have_value("Open on Saturdays.")
    assert page.evaluate("window.stillTheSamePage") is True
    accessible(axe, page)
    assert draft.contributions.filter(status="shown").count() == 1


def test_without_javascript_withdrawing_an_invitation_keeps_the_addresses_typed(
    new_page, axe, collaborative, facilitator
):
    InvitationFactory(collaborative=collaborative, email="joy@example.net", invited_by=facilitator)
    page = new_page(java_script_enabled=False)
    page.goto("/")
    sign_in(page, facilitator.email)
    page.goto(reverse("members:invitations", kwargs={"slug": collaborative.slug}))
    page.get_by_label("Email addresses").fill("sam@example.org\nPriya Desai <priya@example.org>")
    page.get_by_label("A personal message (optional)").fill("See you at the cafe.")
    page.get_by_role("button", name="Withdraw the invitation to joy@example.net").click()
    expect(messages_shown(page)).to_have_text(
        "The invitation to joy@example.net was withdrawn. Its link no longer works."
    )
    expect(page.get_by_label("Email addresses")).to_have_value("sam@example.org\nPriya Desai <priya@example.org>")
    expect(page.get_by_label("A personal message (optional)")).to_have_value("See you at the cafe.")
    check_as_shown(axe, new_page, page)
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("main")).to_contain_text("2 invitations sent")
    assert sorted(Invitation.objects.filter(status="pending").values_list("email", flat=True)) == [
        "priya@example.org",
        "sam@example.org",
    ]


def test_without_javascript_saying_yes_to_one_request_keeps_the_reply_typed_for_another(
    new_page, axe, collaborative, facilitator
):
    JoinRequestFactory(collaborative=collaborative, name="Joy Mensah")
    ravi = JoinRequestFactory(collaborative=collaborative, name="Ravi Shah")
    page = new_page(java_script_enabled=False)
    page.goto("/")
    sign_in(page, facilitator.email)
    page.goto(reverse("members:join_requests", kwargs={"slug": collaborative.slug}))
    page.get_by_label("A message to Ravi Shah (optional)").fill("Sorry, we meet only in Lambeth.")
    page.get_by_label("A message to Joy Mensah (optional)").fill("Welcome!")
    page.get_by_role("button", name="Say yes to Joy Mensah").click()
    expect(messages_shown(page)).to_have_text("Joy Mensah will get an email with a link to join.")
    expect(page.get_by_label("A message to Ravi Shah (optional)")).to_have_value("Sorry, we meet only in Lambeth.")
    check_as_shown(axe, new_page, page)
    ravi.refresh_from_db()
    assert (ravi.status, ravi.reply) == ("pending", "")
    page.get_by_role("button", name="Say no to Ravi Shah").click()
    expect(messages_shown(page)).to_have_text("Ravi Shah will get an email to say so.")
    ravi.refresh_from_db()
    assert (ravi.status, ravi.reply) == ("declined", "Sorry, we meet only in Lambeth.")


def test_on_the_home_page_a_reason_typed_for_an_action_survives_the_other_buttons(new_page, axe, collaborative):
    member = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    MeetingFactory(collaborative=collaborative)
    cafes = action_record(collaborative, by=member, title="Map the crisis cafes")
    waits = action_record(collaborative, by=member, title="Ask the trust about waits")
    page = new_page(java_script_enabled=False)
    page.goto("/")
    sign_in(page, member.email)  # One Collaborative: straight to its home page.
    reason = page.get_by_label("Why (for blocked or dropped): Ask the trust about waits")

    # "Coming", then one action's "Save": the reason typed for the other action stays, not saved.
    page.get_by_label("Status of Ask the trust about waits").select_option(label="Blocked")
    reason.fill("Waiting for the council.")
    page.get_by_role("button", name="Coming").click()
    expect(messages_shown(page)).to_have_text("Thank you. You said you are coming.")
    expect(reason).to_have_value("Waiting for the council.")
    page.get_by_label("Status of Map the crisis cafes").select_option(label="In progress")
    page.get_by_role("button", name="Save the status of Map the crisis cafes").click()
    expect(messages_shown(page)).to_have_text("“Map the crisis cafes” is now in progress.")
    expect(reason).to_have_value("Waiting for the council.")
    expect(page.get_by_label("Status of Ask the trust about waits")).to_have_value("blocked")
    check_as_shown(axe, new_page, page)
    cafes.refresh_from_db()
    waits.refresh_from_db()
    assert (cafes.status, waits.status, waits.status_reason) == ("in_progress", "open", "")
    page.get_by_role("button", name="Save the status of Ask the trust about waits").click()
    expect(messages_shown(page)).to_have_text("“Ask the trust about waits” is now blocked.")
    waits.refresh_from_db()
    assert (waits.status, waits.status_reason) == ("blocked", "Waiting for the council.")

    # With JavaScript each is saved in place, and the reason typed for another action stays on the page.
    page = new_page(storage_state=page.context.storage_state())
    page.goto(collaborative.get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Status of Ask the trust about waits").select_option(label="Dropped")
    page.get_by_label("Why (for blocked or dropped): Ask the trust about waits").fill("The trust answered.")
    page.get_by_role("button", name="Maybe").click()
    expect(page.locator(".rsvp").get_by_role("status")).to_have_text(
        "You said: maybe. You can change this until the meeting starts."
    )
    page.get_by_label("Status of Map the crisis cafes").select_option(label="Done")
    page.get_by_role("button", name="Save the status of Map the crisis cafes").click()
    expect(page.locator(f"#my-action-{cafes.pk}").get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_label("Why (for blocked or dropped): Ask the trust about waits")).to_have_value(
        "The trust answered."
    )
    assert page.evaluate("window.stillTheSamePage") is True
    accessible(axe, page)
    waits.refresh_from_db()
    assert (waits.status, waits.status_reason) == ("blocked", "Waiting for the council.")


def test_without_javascript_a_tap_on_the_register_keeps_the_number_of_guests_typed(new_page, axe, meeting, facilitator):
    page = new_page(java_script_enabled=False)
    page.goto("/")
    sign_in(page, facilitator.email)
    page.goto(reverse("meetings:register", kwargs={"slug": meeting.collaborative.slug, "pk": meeting.pk}))
    page.get_by_label("Guests who came").fill("4")
    page.get_by_role("button", name="Came: Grace Okafor").click()
    expect(messages_shown(page)).to_contain_text("The number of guests you typed is not saved yet")
    expect(page.get_by_label("Guests who came")).to_have_value("4")
    expect(page.get_by_role("button", name="Came: Grace Okafor")).to_have_attribute("aria-pressed", "true")
    check_as_shown(axe, new_page, page)
    page.get_by_role("button", name="Save the number of guests").click()
    expect(messages_shown(page)).to_have_text("The number of guests is saved.")
    assert Meeting.objects.get(pk=meeting.pk).guests == 4


@pytest.mark.parametrize("java_script_enabled", [False, True], ids=["without JavaScript", "with JavaScript"])
def test_pressing_enter_in_a_box_never_presses_another_button(new_page, axe, collaborative, java_script_enabled):
    """Enter in a box sends its form with the form's first button. On the home page that was "Coming"
    (an answer given, and perhaps a place taken, without asking): now it keeps what was typed."""
    member = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    meeting = MeetingFactory(collaborative=collaborative)
    waits = action_record(collaborative, by=member, title="Ask the trust about waits")
    page = new_page(java_script_enabled=java_script_enabled)
    page.goto("/")
    sign_in(page, member.email)
    page.get_by_label("Status of Ask the trust about waits").select_option(label="Blocked")
    reason = page.get_by_label("Why (for blocked or dropped): Ask the trust about waits")
    reason.fill("Waiting for the council.")
    with page.expect_navigation():
        reason.press("Enter")
    expect(page.get_by_label("Why (for blocked or dropped): Ask the trust about waits")).to_have_value(
        "Waiting for the council."
    )
    assert not meeting.rsvps.exists()
    waits.refresh_from_db()
    assert (waits.status, waits.status_reason) == ("open", "")
    if java_script_enabled:
        accessible(axe, page)


def test_pressing_enter_in_the_number_of_guests_saves_it_and_marks_no_one(new_page, axe, meeting, facilitator):
    page = new_page(java_script_enabled=False)
    page.goto("/")
    sign_in(page, facilitator.email)
    page.goto(reverse("meetings:register", kwargs={"slug": meeting.collaborative.slug, "pk": meeting.pk}))
    guests = page.get_by_label("Guests who came")
    guests.fill("3")
    with page.expect_navigation():
        guests.press("Enter")
    expect(messages_shown(page)).to_have_text("The number of guests is saved.")
    assert Meeting.objects.get(pk=meeting.pk).guests == 3
    assert not meeting.attendances.filter(attended=True).exists()
    check_as_shown(axe, new_page, page)
