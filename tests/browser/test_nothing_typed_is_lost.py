"""Nothing a person types is lost (issue 12, item 14), in the browser.

On the notes page, notes typed and then "Record the decision" records the decision and keeps
(and saves) the notes, with JavaScript and without it. A page with words typed but not saved
asks before it is left (static/js/site.js, opted into by data-warn-unsaved), and no longer asks
once they are saved, by a plain form or by htmx. On an action's page, "Save the status" also
adds the update typed below it. axe runs on every page visited.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from actions.models import Action
from meetings.models import AgendaItem, Decision, Meeting
from members.models import Membership
from tests.browser.conftest import sign_in
from tests.browser.test_meeting_day import the_day_comes
from tests.browser.test_meetings import heading
from tests.factories import MeetingFactory, MembershipFactory, VisionVersionFactory, action_record

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

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
