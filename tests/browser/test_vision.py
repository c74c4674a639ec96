"""Vision and values in the browser (issue 6).

A facilitator opens a self-assessment round from the Vision pages; three members answer at
phone width, each saving part of the way, coming back to find their answers kept, and
finishing (one of them with JavaScript off); the facilitator closes the round (a page asks
first, and refuses in the round's first week) and sees the results and the trend against an
earlier round. On the way: a member comments on a draft of the vision (htmx adds the comment
in place and says thank you; without JavaScript the plain form does it), the facilitator
starts to set the draft aside but keeps it, adopts it and compares it with the version
before; a goal review is sent with a mistake, then put right; the framework page. axe runs
on every page visited, and the answer and results pages do not scroll sideways at 320 px.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from members.models import Membership
from tests.browser.conftest import sign_in
from tests.browser.test_meetings import LAMBETH, PHONE, heading
from tests.factories import GoalFactory, MembershipFactory
from vision.models import Contribution, GoalReview, Rating, Response, Round, RoundStatement, VisionVersion
from vision.services import answers_save, round_open, version_adopt, version_draft

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
LABELS = dict(Rating.choices)
COLUMNS = [value for value, _ in Rating.choices]  # The results table's order: Not yet ... Don't know.

# What each person answers in this round, by statement position (0 to 24). The three who
# answer in the browser pick these by their labels; the two others answer through services.
ANSWERS = {
    "Kit Walsh": lambda i: Rating.GETTING_THERE if i % 2 == 0 else Rating.STRONG,
    "Sam Patel": lambda i: Rating.STRONG if i < 20 else Rating.STARTING,
    "Ana Costa": lambda i: Rating.DONT_KNOW if i == 0 else Rating.NOT_YET,
    "Lee Brown": lambda i: Rating.STARTING,
    "Mo Adeyemi": lambda i: Rating.GETTING_THERE,
}
# In the earlier round everyone said "Starting", except one "Getting there" on every statement.
EARLIER = {name: (Rating.GETTING_THERE if name == "Mo Adeyemi" else Rating.STARTING) for name in ANSWERS}
PART_WAY = 10  # Statements answered before saving and coming back: the first two key roles.
KIT_COMMENT = "We say this but rarely check it with people who use services."
ANA_COMMENT = "Not sure the commissioners know about us yet."


def no_sideways_scroll(page: Page, width: int = 320) -> None:
    """The page fits the width: nothing to scroll sideways to. Measured once the style sheet has
    loaded (click() returns before then, and an unstyled textarea alone is 380 px wide)."""
    page.wait_for_load_state("load")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width} px: {scroll_width} px wide"


def key_role_region(page: Page, statement: RoundStatement):
    return page.get_by_role("region", name=f"{statement.key_role.number}. {statement.key_role.title}", exact=True)


def answer(page: Page, statements: list[RoundStatement], person: str, comment: tuple[int, str] | None = None) -> None:
    """Pick each statement's rating by its label, and perhaps write a comment on one."""
    for statement in statements:
        group = key_role_region(page, statement).get_by_role("group", name=statement.text, exact=True)
        group.get_by_role("radio", name=LABELS[ANSWERS[person](statement.position)], exact=True).check()
        if comment and comment[0] == statement.position:
            group.get_by_label("Comment (optional)").fill(comment[1])


def save(page: Page, statement: RoundStatement, *, javascript: bool = True) -> None:
    """Press the "Save my answers" under the key role of `statement` (one follows each key role)."""
    button = key_role_region(page, statement).get_by_role("button", name="Save my answers")
    if javascript:
        button.click()
    else:
        with page.expect_navigation():
            button.click()
    # Back at the part just saved, which says so, not at the top of the long page (issue 15, item 7).
    expect(page).to_have_url(re.compile(rf"#role-{statement.key_role.number}$"))
    expect(key_role_region(page, statement).get_by_role("status")).to_have_text(
        "Your answers are saved. You can come back and change them until the round closes."
    )


def answers_kept(page: Page, statements: list[RoundStatement], person: str, comment: tuple[int, str]) -> None:
    for statement in statements:
        group = key_role_region(page, statement).get_by_role("group", name=statement.text, exact=True)
        label = LABELS[ANSWERS[person](statement.position)]
        expect(group.get_by_role("radio", name=label, exact=True)).to_be_checked()
        if statement.position == comment[0]:
            expect(group.get_by_label("Comment (optional)")).to_have_value(comment[1])


def positive_share(ratings: list[str]) -> int:
    """The results' rule: "Getting there" or "Strong" among those who did not say "Don't know"."""
    sure = [r for r in ratings if r != Rating.DONT_KNOW]
    positive = [r for r in sure if r in (Rating.GETTING_THERE, Rating.STRONG)]
    return int(100 * len(positive) / len(sure) + 0.5)


def test_vision_goals_and_a_self_assessment_round_from_opening_to_results(new_page, axe, collaborative):
    def accessible(page: Page) -> None:
        """axe, once the page and its style sheet have loaded (click() returns as soon as the page starts)."""
        page.wait_for_load_state("load")
        axe(page)

    grace = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Grace Okafor"
    ).user
    people = {name: MembershipFactory(collaborative=collaborative, user__display_name=name).user for name in ANSWERS}
    kit, sam, ana = people["Kit Walsh"], people["Sam Patel"], people["Ana Costa"]
    kit.perspectives = ["carer"]
    kit.save(update_fields=["perspectives"])
    today = collaborative.local_today()

    # The vision so far (version 1, adopted) and a draft of version 2 for members to comment on.
    first = version_draft(
        collaborative=collaborative,
        by=grace,
        statement="Help is easy to get, where and when people need it.",
        values=[("Equal voices", "A carer's view counts as much as a chief officer's.")],
    )
    version_adopt(version=first, by=grace)
    draft = version_draft(
        collaborative=collaborative,
        by=grace,
        statement="Help is easy to get, close to home, when people need it.",
        values=[
            ("Equal voices", "A carer's view counts as much as a chief officer's."),
            ("Kindness", "We assume good intent and say thank you."),
        ],
        note="Adds kindness, and says where help should be.",
    )
    goal = GoalFactory(
        collaborative=collaborative,
        title="Help is easy to get in every neighbourhood",
        review_on=today - timedelta(days=3),
    )

    # An earlier round, closed months ago, that five people answered.
    earlier = round_open(
        collaborative=collaborative, by=grace, title="Spring check-in", closing_day=today + timedelta(days=7)
    )
    earlier_statements = list(earlier.statements.all())
    for name, rating in EARLIER.items():
        answers_save(round=earlier, user=people[name], answers={s.pk: (rating, "") for s in earlier_statements})
    now = timezone.now()
    Round.objects.filter(pk=earlier.pk).update(opened_at=now - timedelta(days=200), closes_at=now - timedelta(days=180))

    # The facilitator opens a new round: Vision, How are we doing?, Open a new round.
    page = new_page()
    page.goto("/")
    sign_in(page, grace.email)
    expect(heading(page, LAMBETH)).to_be_visible()
    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Vision").click()
    expect(heading(page, "Our vision and values")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile(r"^Our vision"))).to_contain_text(
        "Help is easy to get, where and when people need it."
    )
    expect(page.get_by_role("region", name="Drafts you can comment on")).to_contain_text("Draft version 2")
    accessible(page)
    page.get_by_role("link", name="How are we doing? (self-assessment)").click()
    expect(heading(page, "How are we doing?")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Spring check-in: closed")
    accessible(page)
    page.get_by_role("link", name="Open a new round").click()
    expect(heading(page, "Open a self-assessment round")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("rate the 25 statements in use now")
    accessible(page)
    page.get_by_label("Name of the round").fill("Autumn check-in")
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_role("status")).to_have_text("The round is open. Every member has been emailed to take part.")
    expect(heading(page, "Autumn check-in: how are we doing?")).to_be_visible()
    expect(page.get_by_role("region", name="For facilitators")).to_contain_text(
        "How many people have answered is not shown until the round closes"
    )
    accessible(page)
    current = Round.objects.get(title="Autumn check-in")
    statements = list(current.statements.select_related("key_role").order_by("position"))
    assert len(statements) == 25
    round_path = current.get_absolute_url()

    # Two members answer away from the browser.
    for name in ("Lee Brown", "Mo Adeyemi"):
        answers_save(
            round=current, user=people[name], answers={s.pk: (ANSWERS[name](s.position), "") for s in statements}
        )

    # Kit, at 375 px: part of the way, a comment, save; away and back; the rest.
    kit_page = new_page(viewport=PHONE)
    kit_page.goto("/")
    sign_in(kit_page, kit.email)
    # "Things to do" leads to the round (issue 15, item 3).
    kit_page.get_by_role("region", name="Things to do").get_by_role("link", name="Say how we are doing").click()
    expect(heading(kit_page, "Autumn check-in: how are we doing?")).to_be_visible()
    expect(kit_page.locator("#progress")).to_have_text("You have answered 0 of 25 statements.")
    expect(kit_page.get_by_role("region", name="For facilitators")).to_have_count(0)
    accessible(kit_page)
    kit_comment = (3, KIT_COMMENT)
    answer(kit_page, statements[:PART_WAY], "Kit Walsh", kit_comment)
    save(kit_page, statements[PART_WAY - 1])
    expect(kit_page.locator("#progress")).to_have_text(f"You have answered {PART_WAY} of 25 statements.")
    accessible(kit_page)
    kit_page.get_by_role("link", name="How are we doing?", exact=True).click()
    expect(kit_page.get_by_role("main")).to_contain_text("You have started.")
    accessible(kit_page)
    kit_page.get_by_role("link", name="Carry on with your answers").click()
    answers_kept(kit_page, statements[:PART_WAY], "Kit Walsh", kit_comment)
    answer(kit_page, statements[PART_WAY:], "Kit Walsh")
    save(kit_page, statements[-1])
    expect(kit_page.locator("#progress")).to_have_text("You have answered 25 of 25 statements.")
    answers_kept(kit_page, statements, "Kit Walsh", kit_comment)

    # Kit comments on the draft: htmx adds it in place.
    kit_page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Vision").click()
    kit_page.get_by_role("link", name="Draft version 2").click()
    expect(heading(kit_page, "Vision, version 2 (draft)")).to_be_visible()
    voices = kit_page.get_by_role("region", name="Whose voices shaped it")
    expect(voices).to_contain_text("No one has added ideas or comments yet.")
    accessible(kit_page)
    kit_page.evaluate("window.stillTheSamePage = true")
    kit_page.get_by_role("textbox", name="Your idea or comment").fill("Say who we mean by people: carers too.")
    kit_page.get_by_role("button", name="Add it").click()
    comments = voices.get_by_role("listitem").filter(has_text="Say who we mean by people: carers too.")
    expect(comments).to_contain_text("Kit Walsh (Carer)")
    expect(voices).to_contain_text("1 person added ideas or comments. 1 of them (100%) share that they have lived")
    expect(comments.get_by_role("button", name="Take back my comment")).to_be_visible()
    expect(voices.get_by_role("status")).to_have_text("Thank you: your idea or comment has been added.")
    expect(kit_page.get_by_role("textbox", name="Your idea or comment")).to_have_value("")
    assert kit_page.evaluate("window.stillTheSamePage") is True
    accessible(kit_page)

    # Sam, at 320 px: nothing scrolls sideways.
    sam_page = new_page(viewport=NARROW)
    sam_page.goto("/")
    sign_in(sam_page, sam.email)
    sam_page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Vision").click()
    accessible(sam_page)
    sam_page.get_by_role("link", name="How are we doing? (self-assessment)").click()
    sam_page.get_by_role("link", name="Give your answers").click()
    expect(heading(sam_page, "Autumn check-in: how are we doing?")).to_be_visible()
    no_sideways_scroll(sam_page)
    accessible(sam_page)
    sam_comment = (6, "More people from the voluntary sector would help.")
    answer(sam_page, statements[:PART_WAY], "Sam Patel", sam_comment)
    save(sam_page, statements[PART_WAY - 1])
    sam_page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name=f"{LAMBETH} home").click()
    sam_page.get_by_role("link", name="Finish your answers to “How are we doing?”").click()
    expect(sam_page.locator("#progress")).to_have_text(f"You have answered {PART_WAY} of 25 statements.")
    answers_kept(sam_page, statements[:PART_WAY], "Sam Patel", sam_comment)
    answer(sam_page, statements[PART_WAY:], "Sam Patel")
    save(sam_page, statements[-1])
    expect(sam_page.locator("#progress")).to_have_text("You have answered 25 of 25 statements.")
    answers_kept(sam_page, statements, "Sam Patel", sam_comment)
    no_sideways_scroll(sam_page)
    accessible(sam_page)

    # Ana, at 375 px with JavaScript off: the plain forms.
    plain = new_page(viewport=PHONE, java_script_enabled=False)
    plain.goto("/")
    sign_in(plain, ana.email)
    plain.goto(round_path)
    ana_comment = (7, ANA_COMMENT)
    answer(plain, statements[:PART_WAY], "Ana Costa", ana_comment)
    save(plain, statements[PART_WAY - 1], javascript=False)
    expect(plain.locator("#progress")).to_have_text(f"You have answered {PART_WAY} of 25 statements.")
    plain.goto(collaborative.get_absolute_url())
    plain.goto(round_path)
    answers_kept(plain, statements[:PART_WAY], "Ana Costa", ana_comment)
    answer(plain, statements[PART_WAY:], "Ana Costa")
    save(plain, statements[-1], javascript=False)
    expect(plain.locator("#progress")).to_have_text("You have answered 25 of 25 statements.")
    plain.goto(draft.get_absolute_url())
    plain.get_by_role("textbox", name="Your idea or comment").fill("Kindness should include kindness to ourselves.")
    with plain.expect_navigation():
        plain.get_by_role("button", name="Add it").click()
    expect(plain.locator(".messages")).to_have_text("Thank you. Your idea or comment has been added.")
    expect(plain.get_by_role("region", name="Whose voices shaped it")).to_contain_text(
        "Kindness should include kindness to ourselves."
    )
    # axe needs JavaScript: the same session, with it on, opens the pages the plain forms led to.
    checked = new_page(viewport=PHONE, storage_state=plain.context.storage_state())
    checked.goto(round_path)
    expect(checked.locator("#progress")).to_have_text("You have answered 25 of 25 statements.")
    accessible(checked)
    checked.goto(draft.get_absolute_url())
    accessible(checked)
    assert Response.objects.filter(round=current).count() == 5
    assert Contribution.objects.filter(version=draft).count() == 2

    # The facilitator adopts the draft, and compares it with version 1.
    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Vision").click()
    page.get_by_role("link", name="Draft version 2").click()
    voices = page.get_by_role("region", name="Whose voices shaped it")
    expect(voices).to_contain_text("2 people added ideas or comments.")
    expect(voices.locator("ol.contributions > li")).to_have_count(2)
    accessible(page)
    # Setting a draft aside asks first; the facilitator thinks better of it.
    page.get_by_role("link", name="Set this draft aside").click()
    expect(heading(page, "Set version 2 aside?")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Keep it as a draft").click()
    expect(heading(page, "Vision, version 2 (draft)")).to_be_visible()
    assert VisionVersion.objects.get(pk=draft.pk).is_draft
    page.get_by_role("link", name="Adopt this version").click()
    expect(heading(page, "Adopt version 2 as our vision")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Adopt version 2").click()
    expect(page.get_by_role("status")).to_have_text("Version 2 is now the vision. Members have been told.")
    expect(heading(page, "Vision, version 2")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("This is our vision now.")
    accessible(page)
    assert VisionVersion.objects.get(pk=draft.pk).status == VisionVersion.Status.ADOPTED
    page.get_by_role("link", name="What changed since version 1").click()
    expect(heading(page, "What changed in the vision")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.locator(".diff ins").first).to_be_visible()
    expect(main.locator(".diff del").first).to_be_visible()
    expect(main.locator(".diff del", has_text="where")).to_have_count(1)
    expect(main.locator(".diff ins", has_text="home")).to_have_count(1)
    expect(main.locator(".diff-values ins", has_text="Kindness")).to_have_count(1)
    accessible(page)

    # A goal due for review: a mistake first, then the review.
    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Vision").click()
    page.get_by_role("link", name="Our goals").click()
    expect(heading(page, "Our goals")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=goal.title)).to_contain_text("Due for review")
    accessible(page)
    page.get_by_role("link", name=goal.title).click()
    expect(heading(page, goal.title)).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Record a review").click()
    expect(heading(page, "Record a review")).to_be_visible()
    accessible(page)
    page.get_by_role("radio", name="Some progress").check()
    page.get_by_label("What was said (optional)").fill("Two new drop-ins; the north still has none.")
    page.get_by_role("button", name="Save the review").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    mistake = "Next review date: Choose when to look at this goal again."
    expect(summary.get_by_role("link", name=mistake)).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    accessible(page)
    next_review = today + timedelta(days=90)
    page.get_by_label("Next review date").fill(next_review.isoformat())
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_role("status")).to_have_text("The review has been recorded.")
    expect(page.get_by_role("main")).to_contain_text(f"Next review: {next_review:%-d %B %Y}.")
    accessible(page)
    review = GoalReview.objects.get(goal=goal)
    assert (review.outcome, review.next_review_on) == (GoalReview.Outcome.SOME_PROGRESS, next_review)

    # The framework.
    page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name="Vision").click()
    page.get_by_role("link", name="The five key roles").click()
    expect(heading(page, "The five key roles of a Collaborative")).to_be_visible()
    first_role = page.get_by_role("region", name="1. Creating, holding and refreshing the vision and values")
    expect(first_role).to_contain_text("Our vision is informed by lived experience (from Living Well UK)")
    accessible(page)

    # The facilitator closes the round and sees the results and the trend. Not in its first week:
    page.goto(round_path)
    page.get_by_role("link", name="Close the round now").click()
    expect(heading(page, "Close “Autumn check-in” now?")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("You can close this one early from")
    expect(page.get_by_role("button", name="Close the round now")).to_have_count(0)
    accessible(page)
    # A week later:
    Round.objects.filter(pk=current.pk).update(opened_at=timezone.now() - timedelta(days=8))
    page.goto(round_path)
    expect(page.get_by_role("region", name="For facilitators")).not_to_contain_text("answered so far")
    page.get_by_role("link", name="Close the round now").click()
    expect(heading(page, "Close “Autumn check-in” now?")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("How many have answered so far is not shown to anyone")
    accessible(page)
    page.get_by_role("button", name="Close the round now").click()
    expect(page.get_by_role("status")).to_have_text("The round is closed. Here are the results.")
    expect(heading(page, "Autumn check-in: results")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("5 people answered.")
    accessible(page)

    trend = page.get_by_role("region", name="Share saying “Getting there” or “Strong”, by round")
    expect(trend.get_by_role("columnheader")).to_have_text(["Key role", "Spring check-in", "Autumn check-in"])
    rows = trend.get_by_role("row")
    expect(rows).to_have_count(6)
    earlier_share = positive_share(list(EARLIER.values()))
    for key_role_number in range(1, 6):
        in_role = [s for s in statements if s.key_role.number == key_role_number]
        ratings = [ANSWERS[name](s.position) for s in in_role for name in ANSWERS]
        expect(rows.nth(key_role_number).get_by_role("cell")).to_have_text(
            [f"{earlier_share}%", f"{positive_share(ratings)}%"]
        )
    expect(page.get_by_role("img", name=re.compile("^How each key role has changed"))).to_be_visible()

    for statement in statements:
        table = key_role_region(page, statement)
        row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=statement.text, exact=True))
        ratings = [ANSWERS[name](statement.position) for name in ANSWERS]
        expected = ["5", *[str(ratings.count(value)) for value in COLUMNS]]
        expect(row.get_by_role("cell")).to_have_text(expected)
    for key_role_number in range(1, 6):
        in_role = [s for s in statements if s.key_role.number == key_role_number]
        ratings = [ANSWERS[name](s.position) for s in in_role for name in ANSWERS]
        total = (
            key_role_region(page, in_role[0])
            .get_by_role("row")
            .filter(has=page.get_by_role("rowheader", name="All these statements: everyone"))
        )
        expect(total.get_by_role("cell")).to_have_text(["5", *[str(ratings.count(value)) for value in COLUMNS]])
    expect(page.get_by_role("rowheader", name=re.compile("people with the perspective"))).to_have_count(0)
    for name in ANSWERS:
        expect(page.get_by_role("main")).not_to_contain_text(name)
    # Each statement's comments are a page of their own, linked from the results.
    for position, text in (kit_comment, ana_comment, sam_comment):
        statement = statements[position]
        page.get_by_role("link", name=f"1 comment on “{statement.text}”").click()
        expect(heading(page, f"Comments on “{statement.text}”")).to_be_visible()
        expect(page.get_by_role("main").get_by_role("listitem")).to_have_text([text])
        accessible(page)
        page.get_by_role("link", name="Autumn check-in: results").click()

    # A member reads the results at 320 px, and finds the new vision on the home page.
    sam_page.goto(round_path)
    expect(heading(sam_page, "Autumn check-in: results")).to_be_visible()
    no_sideways_scroll(sam_page)
    accessible(sam_page)
    sam_page.get_by_role("navigation", name=LAMBETH).get_by_role("link", name=f"{LAMBETH} home").click()
    vision = sam_page.get_by_role("region", name="Our vision")
    expect(vision).to_contain_text("Help is easy to get, close to home, when people need it.")
    expect(vision).to_contain_text("Our values: Equal voices, Kindness.")
    expect(vision.get_by_role("link", name="How are we doing?")).to_have_count(0)
    expect(sam_page.get_by_role("region", name="Things to do")).to_have_text(re.compile("Nothing for you to do"))
    no_sideways_scroll(sam_page)
    accessible(sam_page)
