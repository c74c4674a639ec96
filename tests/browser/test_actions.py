"""The action log in the browser (issue 7).

A facilitator records two actions from a past meeting: one beside a decision in its notes
(overdue from the start) and one from the meeting's page; both show on that page and under
"matters arising" on the next meeting's. The owner, at 320 px, adds an update with a link
and a PDF, changes a status from "My actions" on the home page (htmx, no page load), and
meets the edit form's error for "blocked" without a reason; with JavaScript off, the quick
status form and the log's filters work as plain forms. A commissioner filters the log to
overdue actions (htmx, the address changes, back and reload keep it), downloads those as CSV,
looks at the overview, and reviews every action, then signs the review off. axe runs on every
page visited; the home page and the action page do not scroll sideways at 320 px.
"""

import csv
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from actions.models import Action, ActionUpdate, ReviewRound
from actions.services import action_change, action_create
from meetings.models import AgendaItem
from meetings.services import decision_record, notes_publish, notes_save
from members.models import Membership
from notifications.models import Message
from tests.browser.conftest import sign_in
from tests.browser.test_meetings import LAMBETH, heading
from tests.browser.test_vision import NARROW, no_sideways_scroll
from tests.factories import MeetingFactory, MembershipFactory

pytestmark = pytest.mark.browser

# A small but real PDF: the upload is checked by what is in the file, not by its name.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
FROM_DECISION = "Write to the trust about waiting times."
FROM_MEETING = "Ask the council to fund a second drop-in"
SAMS = "Publish the crisis line leaflet in Polish"
FINISHED = "Put the meeting dates on the library noticeboard"
TRUST = "South London and Maudsley NHS Foundation Trust"


@pytest.fixture
def evidence_root(settings, tmp_path):
    """Uploaded evidence goes to a folder of this test's own."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


def accessible(axe, page: Page) -> None:
    page.wait_for_load_state("load")
    axe(page)


def log_titles(page: Page):
    return page.get_by_role("table", name="Actions").get_by_role("rowheader")


def my_action(page: Page, title: str):
    return page.get_by_role("region", name="My actions").get_by_role("listitem").filter(has_text=title)


def test_actions_from_a_meeting_to_a_signed_off_review(new_page, axe, collaborative, evidence_root, tmp_path):
    grace = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Grace Okafor"
    ).user
    chloe = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.COMMISSIONER, user__display_name="Chloe Mensah"
    ).user
    kit = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    sam = MembershipFactory(collaborative=collaborative, user__display_name="Sam Patel").user
    today = collaborative.local_today()

    # Last month's meeting, with its notes and a decision published; next week's meeting.
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=14)
    past = MeetingFactory(collaborative=collaborative, starts_at=start, ends_at=start + timedelta(hours=2))
    item = AgendaItem.objects.create(
        meeting=past,
        title="Waiting times for talking therapies",
        status=AgendaItem.Status.ACCEPTED,
        position=1,
        proposed_by=sam,
        decided_by=grace,
    )
    notes_save(meeting=past, by=grace, general_notes="", item_notes={item.pk: "Waits are six months."})
    decision_record(meeting=past, by=grace, text=FROM_DECISION, agenda_item=item)
    notes_publish(meeting=past, by=grace)
    upcoming = MeetingFactory(collaborative=collaborative)
    # Two more actions, made away from the browser: one of Sam's, overdue; one done, on time.
    for title, owner, due, status in (
        (SAMS, sam, today - timedelta(days=3), Action.Status.OPEN),
        (FINISHED, kit, today + timedelta(days=2), Action.Status.DONE),
    ):
        action_create(
            action=Action(
                collaborative=collaborative,
                title=title,
                owner=owner,
                organisation="Lambeth Council",
                due_on=due,
                status=status,
            ),
            by=grace,
        )

    # The facilitator records an action beside the decision in the notes: due ten days ago.
    page = new_page()
    page.goto("/")
    sign_in(page, grace.email)
    expect(heading(page, LAMBETH)).to_be_visible()
    page.goto(past.get_absolute_url())
    expect(page.get_by_role("region", name="Actions from this meeting")).to_contain_text(
        "No actions recorded from this meeting yet."
    )
    page.get_by_role("link", name="Write the notes and decisions").click()
    expect(heading(page, re.compile(r"^Notes: "))).to_be_visible()
    accessible(axe, page)
    page.get_by_role("link", name=re.compile(r"^Record an action ?from the decision: Write to the trust")).click()
    expect(heading(page, "Propose an action")).to_be_visible()
    expect(page.get_by_label("What will be done")).to_have_value(FROM_DECISION)
    expect(page.get_by_label("The meeting it came from (optional)")).to_have_value(str(past.pk))
    accessible(axe, page)
    overdue_on = today - timedelta(days=10)
    page.get_by_label("Owner", exact=True).select_option(label="Kit Walsh")
    page.get_by_role("checkbox", name="Sam Patel").check()
    page.get_by_label("Lead organisation (optional)").fill(TRUST)
    page.get_by_label("Due date").fill(overdue_on.isoformat())
    page.get_by_role("button", name="Record the action").click()
    # Back to the notes, to record the next one.
    expect(page.get_by_role("status")).to_have_text(
        f"The action “{FROM_DECISION}” has been recorded. It is on the action log."
    )
    expect(heading(page, re.compile(r"^Notes: "))).to_be_visible()
    page.goto(Action.objects.get(title=FROM_DECISION).get_absolute_url())
    expect(heading(page, FROM_DECISION)).to_be_visible()
    main = page.get_by_role("main")
    expect(main.locator(".lead")).to_contain_text("Overdue")
    expect(main).to_contain_text(f"{overdue_on:%A %-d %B %Y}")
    expect(main).to_contain_text("agenda item “Waiting times for talking therapies”")
    expect(page.get_by_role("region", name="What has happened")).to_contain_text("Recorded the action.")
    accessible(axe, page)
    first = Action.objects.get(title=FROM_DECISION)
    assert (first.owner, first.meeting, first.agenda_item, first.decision.text, first.due_on) == (
        kit,
        past,
        item,
        FROM_DECISION,
        overdue_on,
    )
    assert list(first.supporters.all()) == [sam]

    # ... and one from the meeting's page: due in a fortnight.
    main.get_by_role("link", name=re.compile(r"^the meeting of ")).click()
    from_meeting = page.get_by_role("region", name="Actions from this meeting")
    expect(from_meeting.get_by_role("listitem")).to_have_count(1)
    from_meeting.get_by_role("link", name="Record an action from this meeting").click()
    expect(heading(page, "Propose an action")).to_be_visible()
    expect(page.get_by_label("The meeting it came from (optional)")).to_have_value(str(past.pk))
    due_on = today + timedelta(days=14)
    page.get_by_label("What will be done").fill(FROM_MEETING)
    page.get_by_label("Owner", exact=True).select_option(label="Kit Walsh")
    page.get_by_label("Lead organisation (optional)").fill("Lambeth Council")
    page.get_by_label("Due date").fill(due_on.isoformat())
    page.get_by_role("button", name="Record the action").click()
    expect(page.get_by_role("status")).to_have_text("The action has been recorded.")
    expect(heading(page, FROM_MEETING)).to_be_visible()
    second = Action.objects.get(title=FROM_MEETING)
    assert (second.owner, second.meeting, second.due_on) == (kit, past, due_on)
    page.goto(past.get_absolute_url())
    expect(from_meeting.get_by_role("link")).to_have_text([FROM_DECISION, FROM_MEETING, re.compile("^Record")])
    accessible(axe, page)
    page.goto(upcoming.get_absolute_url())
    arising = page.get_by_role("region", name="Matters arising")
    expect(arising.get_by_role("link", name=FROM_DECISION)).to_be_visible()
    expect(arising.get_by_role("link", name=FROM_MEETING)).to_be_visible()
    accessible(axe, page)
    assert Message.objects.filter(kind="action_assigned", recipient=kit).count() == 3

    # The owner, at 320 px: both actions on the home page; evidence for the overdue one.
    phone = new_page(viewport=NARROW)
    phone.goto("/")
    sign_in(phone, kit.email)
    expect(heading(phone, LAMBETH)).to_be_visible()
    expect(my_action(phone, FROM_DECISION)).to_contain_text("Overdue")
    expect(my_action(phone, FROM_MEETING)).not_to_contain_text("Overdue")
    expect(my_action(phone, FINISHED)).to_have_count(0)
    no_sideways_scroll(phone)
    accessible(axe, phone)
    my_action(phone, FROM_DECISION).get_by_role("link", name=FROM_DECISION).click()
    expect(heading(phone, FROM_DECISION)).to_be_visible()
    no_sideways_scroll(phone)
    accessible(axe, phone)
    update = phone.get_by_role("region", name="Add an update")
    update.get_by_label("What has happened").fill("The letter went to the trust's chief executive today.")
    update.get_by_label("A link to evidence (optional)").fill("https://example.org/letter")
    update.get_by_label("A file as evidence (optional)").set_input_files(
        {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    update.get_by_role("button", name="Add the update").click()
    expect(phone.get_by_role("status")).to_have_text("Your update has been added.")
    timeline = phone.get_by_role("region", name="What has happened")
    expect(timeline).to_contain_text("The letter went to the trust's chief executive today.")
    expect(timeline.get_by_role("link", name="https://example.org/letter")).to_have_attribute(
        "href", "https://example.org/letter"
    )
    with phone.expect_download() as download_info:
        timeline.get_by_role("link", name="letter.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "letter.pdf"
    with open(download.path(), "rb") as evidence:
        assert evidence.read() == PDF
    no_sideways_scroll(phone)
    accessible(axe, phone)
    stored = ActionUpdate.objects.get(action=first)
    assert (stored.link, stored.file_type, stored.author) == ("https://example.org/letter", "application/pdf", kit)
    assert (evidence_root / stored.file.name).read_bytes() == PDF

    # A quick change of status from "My actions", in place.
    phone.get_by_role("navigation", name=LAMBETH).get_by_role("link", name=f"{LAMBETH} home").click()
    expect(heading(phone, LAMBETH)).to_be_visible()
    phone.evaluate("window.stillTheSamePage = true")
    quick = my_action(phone, FROM_MEETING)
    quick.get_by_label(re.compile(r"^Status ?of ")).select_option(label="In progress")
    quick.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(quick.get_by_role("status")).to_have_text("Saved.")
    expect(quick).to_contain_text("In progress.")
    assert phone.evaluate("window.stillTheSamePage") is True
    no_sideways_scroll(phone)
    accessible(axe, phone)
    assert Action.objects.get(pk=second.pk).status == Action.Status.IN_PROGRESS

    # Blocked, with no reason: the edit form says what is wrong; with one, it is saved.
    quick.get_by_role("link", name=FROM_MEETING).click()
    phone.get_by_role("link", name="Change the action").click()
    expect(heading(phone, "Change the action")).to_be_visible()
    accessible(axe, phone)
    phone.get_by_role("radio", name="Blocked").check()
    phone.get_by_role("button", name="Save the changes").click()
    summary = phone.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Say why the action is blocked.")
    expect(phone).to_have_title(re.compile(r"^Error: "))
    no_sideways_scroll(phone)
    accessible(axe, phone)
    assert Action.objects.get(pk=second.pk).status == Action.Status.IN_PROGRESS
    phone.get_by_label("Why (needed for blocked or dropped)").fill("The council sets its budget in March.")
    phone.get_by_role("button", name="Save the changes").click()
    expect(phone.get_by_role("status")).to_have_text("The action has been changed.")
    expect(phone.locator(".lead")).to_have_text("Blocked: The council sets its budget in March.")
    expect(phone.get_by_role("region", name="What has happened")).to_contain_text(
        "Changed the status from In progress to Blocked."
    )
    no_sideways_scroll(phone)
    accessible(axe, phone)
    # The log fits the phone too: each row is a card; the done action is left out until asked for.
    phone.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Actions").click()
    expect(log_titles(phone)).to_have_count(3)
    no_sideways_scroll(phone)
    accessible(axe, phone)

    # With JavaScript off: the quick status form and the log's filters are plain forms.
    plain = new_page(viewport=NARROW, java_script_enabled=False, storage_state=phone.context.storage_state())
    plain.goto(collaborative.get_absolute_url())
    quick = my_action(plain, FROM_DECISION)
    quick.get_by_label(re.compile(r"^Status ?of ")).select_option(label="In progress")
    with plain.expect_navigation():
        quick.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(plain.locator(".messages")).to_have_text(f"“{FROM_DECISION}” is now in progress.")
    expect(my_action(plain, FROM_DECISION)).to_contain_text("In progress.")
    assert Action.objects.get(pk=first.pk).status == Action.Status.IN_PROGRESS
    plain.get_by_role("region", name="My actions").get_by_role("link", name="The action log").click()
    expect(log_titles(plain)).to_have_count(3)
    plain.get_by_text("Filter (1 on: not done or dropped)").click()  # The filters fold away on a phone.
    plain.get_by_role("checkbox", name="Overdue only").check()
    with plain.expect_navigation():
        plain.get_by_role("button", name="Show").click()
    assert "overdue=on" in plain.url
    expect(plain.locator("details.filter-box > summary")).to_contain_text("overdue")
    expect(log_titles(plain)).to_have_text([FROM_DECISION, SAMS])
    plain.get_by_text(re.compile(r"^Filter \(2 on: ")).click()
    expect(plain.get_by_role("checkbox", name="Overdue only")).to_be_checked()

    # The commissioner filters the log to overdue actions, in place; the address follows.
    board = new_page()
    board.goto("/")
    sign_in(board, chloe.email)
    board.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Actions").click()
    expect(heading(board, "Actions")).to_be_visible()
    expect(log_titles(board)).to_have_text([FROM_DECISION, SAMS, FROM_MEETING])
    accessible(axe, board)
    board.get_by_role("link", name="Include done and dropped actions").click()
    expect(log_titles(board)).to_have_text([FROM_DECISION, SAMS, FINISHED, FROM_MEETING])
    board.evaluate("window.stillTheSamePage = true")
    board.get_by_role("checkbox", name="Overdue only").check()
    expect(log_titles(board)).to_have_text([FROM_DECISION, SAMS])
    expect(board).to_have_url(re.compile(r"[?&]overdue=on(&|$)"))
    assert board.evaluate("window.stillTheSamePage") is True
    expect(board.locator("#action-count")).to_have_text("2 actions.")
    expect(board.locator("#action-count")).to_have_count(1)
    accessible(axe, board)
    filtered = board.url
    board.get_by_role("link", name=SAMS).click()
    expect(heading(board, SAMS)).to_be_visible()
    board.go_back()
    expect(board).to_have_url(filtered)
    expect(board.get_by_role("checkbox", name="Overdue only")).to_be_checked()
    expect(log_titles(board)).to_have_text([FROM_DECISION, SAMS])
    board.reload()
    expect(board.get_by_role("checkbox", name="Overdue only")).to_be_checked()
    expect(log_titles(board)).to_have_text([FROM_DECISION, SAMS])
    accessible(axe, board)

    # ... and downloads what it shows as CSV.
    with board.expect_download() as download_info:
        board.locator("#action-table").get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"actions-lambeth-{today.isoformat()}.csv"
    saved = tmp_path / "actions.csv"
    download.save_as(saved)
    with open(saved, encoding="utf-8-sig", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [row["Title"] for row in rows] == log_titles(board).all_inner_texts() == [FROM_DECISION, SAMS]
    assert {row["Overdue"] for row in rows} == {"Yes"}
    letter = rows[0]
    assert (letter["Owner"], letter["Supporters"], letter["Lead organisation"], letter["Status"]) == (
        "Kit Walsh",
        "Sam Patel",
        TRUST,
        "In progress",
    )
    assert (letter["Due date"], letter["From the decision"]) == (overdue_on.isoformat(), FROM_DECISION)
    assert letter["Latest update"] == "The letter went to the trust's chief executive today."
    assert letter["Latest update link"] == "https://example.org/letter"
    assert letter["Latest update file"].endswith(f"/c/lambeth/actions/evidence/{stored.pk}/")

    # The overview.
    board.get_by_role("link", name="Overview").click()
    expect(heading(board, "Actions: overview")).to_be_visible()
    expect(board.locator(".stat-list")).to_contain_text("4 actions in all")
    expect(board.locator(".stat-list")).to_contain_text("2 overdue")
    expect(board.locator(".stat-list")).to_contain_text("1 done, 1 of them on time")
    by_status = board.get_by_role("table", name="Actions by status")
    expect(by_status.get_by_role("cell")).to_have_text(["1", "1", "1", "1", "0"])
    accessible(axe, board)
    # On a phone the page does not scroll sideways: each chart keeps a width its words can be
    # read at and scrolls in its own box.
    board.set_viewport_size(NARROW)
    no_sideways_scroll(board)
    assert board.locator(".chart-scroll").first.evaluate("box => box.scrollWidth > box.clientWidth")
    accessible(axe, board)
    board.set_viewport_size({"width": 1280, "height": 800})

    # A review: every action marked reviewed, in place, with a comment; then signed off.
    board.get_by_role("main").get_by_role("link", name="Actions", exact=True).click()
    board.get_by_role("main").get_by_role("link", name="Reviews").click()
    expect(heading(board, "Reviews of the action log")).to_be_visible()
    expect(board.get_by_role("main")).to_contain_text("No reviews yet.")
    accessible(axe, board)
    board.get_by_label("Name of the review").fill("Board report, spring")
    board.get_by_role("button", name="Start the review").click()
    expect(board.get_by_role("status")).to_have_text("The review has started with 4 actions.")
    expect(heading(board, "Board report, spring")).to_be_visible()
    expect(board.locator("#review-progress")).to_have_text("4 of 4 actions still to review.")
    accessible(axe, board)
    board.evaluate("window.stillTheSamePage = true")
    titles = [FROM_DECISION, SAMS, FINISHED, FROM_MEETING]
    for done, title in enumerate(titles, start=1):
        # Each says plainly, by its title, whether it is reviewed yet (issue 15, item 16).
        entry = board.locator("li.review-item").filter(
            has=board.get_by_role("heading", name=f"{title} Not reviewed yet", exact=True)
        )
        entry.get_by_label(re.compile(r"^Comment \(optional\)")).fill(f"Asked about: {title}")
        entry.get_by_role("button", name=re.compile(r"^Mark as reviewed")).click()
        entry = board.locator("li.review-item").filter(
            has=board.get_by_role("heading", name=f"{title} Reviewed", exact=True)
        )
        # The count at the top follows each mark, without reloading the page.
        left = len(titles) - done
        expect(board.locator("#review-progress")).to_have_text(
            f"{left} of 4 actions still to review."
            if left
            else "Every action is reviewed. You can sign the review off."
        )
        expect(entry).to_contain_text(
            re.compile(rf"Reviewed by Chloe Mensah, \d+ \w+ \d{{4}}: “Asked about: {re.escape(title)}”")
        )
        expect(entry.get_by_role("button", name=re.compile(r"^Save the comment"))).to_be_visible()
    assert board.evaluate("window.stillTheSamePage") is True
    accessible(axe, board)
    board.get_by_role("button", name="Sign off the review").click()
    expect(board.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Sign off “.*”\?$"))
    accessible(axe, board)
    board.get_by_role("button", name="Yes, sign it off").click()
    expect(board.get_by_role("status")).to_have_text("The review is signed off. It stays exactly as it is now.")
    expect(board.locator(".lead")).to_contain_text("Signed off on")
    expect(board.locator(".lead")).to_contain_text("by Chloe Mensah")
    expect(board.get_by_role("main").get_by_role("button")).to_have_count(0)  # Nothing here changes any more.
    for title in titles:
        expect(board.get_by_role("main")).to_contain_text(f"“Asked about: {title}”")
    accessible(axe, board)
    review = ReviewRound.objects.get()
    assert review.signed_off_by == chloe
    assert sorted(review.items.values_list("comment", flat=True)) == sorted(f"Asked about: {t}" for t in titles)
    # Frozen: Sam finishing his action later does not change the record.
    action_change(action=Action.objects.get(title=SAMS), by=sam, changes={"status": Action.Status.DONE})
    board.reload()
    sams = board.locator("li.review-item").filter(has=board.get_by_role("heading", name=f"{SAMS} Reviewed", exact=True))
    expect(sams).to_contain_text("Open. Due")
    expect(sams).not_to_contain_text("Done")
    board.get_by_role("link", name="Reviews of the action log").click()
    expect(board.get_by_role("main")).to_contain_text("Signed off on")
    accessible(axe, board)
