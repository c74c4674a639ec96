"""An ask from start to the public page (issue 17, "Done means"): a facilitator writes an ask with a link and a
PDF as evidence, and sends it; the responder, with no account, answers "We cannot, because…" through the link in
the email, and the link then shows the answer and no form; a member reads the answer on a phone; the facilitator
escalates and publishes the ask on the public "What changed" page; an anonymous visitor reads it on a phone, with
JavaScript and once without. axe on every page; nothing wider than the phone's screen.

The emails are real: the live server queues them and the delivery services send them to Django's test outbox,
so the links followed are the ones in the emails.
"""

import re

import pytest
from django.conf import settings
from django.utils.html import escape
from playwright.sync_api import Page, expect

from asks.models import Answer, Ask, AskEvidence
from collaborative.working_days import add_working_days
from members.models import Membership
from tests.browser.conftest import sign_in
from tests.browser.test_actions import PDF
from tests.browser.test_invitations import send_due_emails
from tests.browser.test_vision_draft_form import accessible
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}
LAMBETH = "Lambeth Living Well Collaborative"
TITLE = "Open the crisis cafe at weekends"
TRUST = "South London and Maudsley NHS Trust"
RESPONDER = "dana.director@slam.example.org"
ESCALATED_TO = "chief.officer@icb.example.org"
REFUSAL = "the building is shared with the day centre, which is closed at weekends."
SUMMARY = "Carers told us weekends are the hardest time. We asked the trust to open the crisis cafe then."


@pytest.fixture
def evidence_root(settings, tmp_path):
    """Uploaded evidence goes to a folder of this test's own."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def fits(page: Page) -> None:
    """Nothing wider than the screen: no sideways scrolling on the phone."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def link_in(email, path: str) -> str:
    site = re.escape(settings.SITE_URL.rstrip("/"))
    return re.search(site + rf"({path}\S+/)", email.body).group(1)


def test_an_ask_goes_out_is_refused_and_is_read_on_the_public_page(
    new_page, axe, collaborative, mailoutbox, evidence_root
):
    collaborative.is_public = True
    collaborative.save()
    facilitator = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, user__display_name="Fran Facilitator"
    ).user
    member = MembershipFactory(collaborative=collaborative, user__display_name="Mo Member").user
    slug = collaborative.slug
    today = collaborative.local_today()

    # 1. The facilitator writes the ask, adds a link and a PDF as evidence, and sends it.
    page = new_page()
    page.goto(f"/c/{slug}/asks/")
    sign_in(page, facilitator.email)
    expect(heading(page, "Asks")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Write an ask").click()
    expect(heading(page, "Write an ask")).to_be_visible()
    axe(page)
    page.get_by_label("What we ask, in a line").fill(TITLE)
    page.get_by_label("What we ask", exact=True).fill("Please open the crisis cafe on Saturdays and Sundays.")
    page.get_by_label("Why we ask").fill("Forty carers told us weekends are when they most need somewhere to go.")
    page.get_by_label("To which organisation").fill(TRUST)
    page.get_by_label("The person who will answer").fill("Dana Director")
    page.get_by_label("Their role (optional)").fill("Director of Services")
    page.get_by_label("Their email address").fill(RESPONDER)
    page.get_by_role("button", name="Save the draft").click()
    expect(heading(page, TITLE)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("The ask has been written.")
    axe(page)

    page.get_by_role("link", name="Add evidence").click()
    expect(heading(page, "Add evidence")).to_be_visible()
    axe(page)
    page.get_by_label("What it is").fill("Survey of 40 carers, March 2026")
    page.get_by_label("A file (optional)").set_input_files(
        {"name": "carers-survey.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Add the evidence").click()
    expect(page.get_by_role("status")).to_contain_text("The evidence has been added.")
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_label("What it is").fill("The trust's own report on weekend demand")
    page.get_by_label("Or a link (optional)").fill("https://example.org/weekend-demand")
    page.get_by_role("button", name="Add the evidence").click()
    evidence = page.get_by_role("region", name="What we ask")
    expect(evidence.get_by_role("link", name="carers-survey.pdf")).to_be_visible()
    expect(evidence.get_by_role("link", name="https://example.org/weekend-demand")).to_be_visible()
    axe(page)

    page.get_by_text("Send the ask to Dana Director now").click()
    page.get_by_role("button", name="Send the ask", exact=True).click()
    due = add_working_days(today, 20)
    expect(page.get_by_role("status")).to_contain_text(f"The answer is due by {due:%-d %B %Y}.")
    expect(page.get_by_role("main")).to_contain_text(f"Answer due{due:%A %-d %B %Y} (20 working days left)")
    axe(page)
    ask = Ask.objects.get(title=TITLE)
    assert (ask.status, ask.due_on) == (Ask.Status.WAITING, due)
    stored = AskEvidence.objects.get(ask=ask, file_type="application/pdf")
    assert (evidence_root / stored.file.name).read_bytes() == PDF

    # 2. The responder follows the link in the email, with no account, and answers.
    assert send_due_emails() == 1
    [email] = mailoutbox
    assert email.to == [RESPONDER]
    answer_link = link_in(email, "/asks/respond/")
    responder = new_page(viewport=PHONE)
    responder.goto(answer_link)
    expect(heading(responder, TITLE)).to_be_visible()
    expect(responder.get_by_role("main")).to_contain_text(f"Please answer by {due:%A %-d %B %Y}.")
    # Told before answering that their words may be published, without their name.
    form = responder.get_by_role("region", name="Answer the ask")
    expect(form).to_contain_text("in your words but without your name")
    fits(responder)
    axe(responder)
    with responder.expect_download() as download:
        responder.get_by_role("link", name="carers-survey.pdf").click()
    assert download.value.suggested_filename == "carers-survey.pdf"
    form.get_by_label("We cannot, because…").check()
    form.get_by_label("What you will do, or why not").fill(f"We cannot, because {REFUSAL}")
    form.get_by_label("Your name").fill("Dana Director")
    form.get_by_label("Your role (optional)").fill("Director of Services")
    form.get_by_role("button", name="Send our answer").click()
    expect(responder.get_by_role("status")).to_contain_text("Your answer is recorded")
    fits(responder)
    axe(responder)
    # The same link again: the answer as recorded, and no form to answer twice.
    responder.goto(answer_link)
    expect(responder.get_by_role("heading", name="Your answer is recorded")).to_be_visible()
    expect(responder.get_by_role("main")).to_contain_text(REFUSAL)
    expect(responder.get_by_role("button", name="Send our answer")).to_have_count(0)
    expect(responder.get_by_label("What you will do, or why not")).to_have_count(0)
    expect(responder.get_by_role("main")).to_contain_text(f"write to Fran Facilitator at {facilitator.email}")
    axe(responder)
    assert Answer.objects.get(ask=ask).kind == Answer.Kind.CANNOT

    # 3. A member, emailed the answer, reads it on a phone: on the ask's page and on the asks page.
    mailoutbox.clear()
    send_due_emails()
    [to_member] = [email for email in mailoutbox if email.to == [member.email]]
    assert REFUSAL in to_member.body
    phone = new_page(viewport=PHONE)
    phone.goto(link_in(to_member, f"/c/{slug}/asks/"))
    sign_in(phone, member.email)
    expect(heading(phone, TITLE)).to_be_visible()
    answers = phone.get_by_role("region", name="What they answered")
    expect(answers.get_by_role("heading", name="We cannot do this")).to_be_visible()
    expect(answers).to_contain_text(REFUSAL)
    expect(phone.get_by_role("main")).not_to_contain_text(RESPONDER)
    expect(phone.get_by_role("region", name="What facilitators can do")).to_have_count(0)
    fits(phone)
    axe(phone)
    phone.get_by_role("link", name="Asks", exact=True).first.click()
    expect(heading(phone, "Asks")).to_be_visible()
    row = phone.get_by_role("row").filter(has=phone.get_by_role("link", name=TITLE))
    expect(row).to_contain_text(TRUST)
    expect(row).to_contain_text("Answered")
    expect(phone.get_by_role("table", name="Asks sent and answers, by organisation")).to_contain_text(TRUST)
    fits(phone)
    axe(phone)

    # 4. The facilitator escalates the refusal, then publishes the ask with a short summary.
    page.reload()
    response = page.get_by_role("region", name="What facilitators can do")
    response.get_by_label("Escalate to someone else, with a new clock of 20 working days").check()
    response.get_by_label("A note for the timeline (optional)").fill("The trust did not offer another place.")
    response.get_by_label("Escalate to which organisation").fill("South East London Integrated Care Board")
    response.get_by_label("The person who will answer").fill("Cal Chief")
    response.get_by_label("Their email address").fill(ESCALATED_TO)
    response.get_by_role("button", name="Save our response").click()
    expect(page.get_by_role("status")).to_contain_text("The ask has been escalated to Cal Chief.")
    expect(page.get_by_role("region", name="What has happened")).to_contain_text(
        "The trust did not offer another place."
    )
    axe(page)

    page.get_by_role("link", name=f"{LAMBETH} home").click()
    page.get_by_role("link", name="Choose what to publish").click()
    expect(heading(page, "What changed")).to_be_visible()
    axe(page)
    page.get_by_role("link", name=f"Publish the ask: {TITLE}").click()
    expect(heading(page, "Publish: what we asked, and the answer")).to_be_visible()
    expect(page.get_by_label("Title on the public page")).to_have_value(TITLE)
    page.get_by_label("A short summary for the public").fill(SUMMARY)
    preview = page.get_by_role("region", name="What the public will see")
    expect(preview).to_contain_text(REFUSAL)
    axe(page)
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Published. Anyone can read it on the public page now.")
    axe(page)

    # 5. An anonymous visitor reads it on a phone, with JavaScript and without.
    for javascript in (True, False):
        visitor = new_page(viewport=PHONE, java_script_enabled=javascript)
        visitor.goto(f"/public/{slug}/what-changed/")
        expect(heading(visitor, "What changed")).to_be_visible()
        expect(visitor.get_by_role("main")).to_contain_text(SUMMARY)
        fits(visitor)
        accessible(new_page, axe, visitor, javascript)
        visitor.get_by_role("link", name=TITLE).click()
        expect(heading(visitor, TITLE)).to_be_visible()
        main = visitor.get_by_role("main")
        # The organisation first asked, though the ask was escalated to another since.
        expect(main).to_contain_text(f"We asked {TRUST}:")
        expect(main).to_contain_text("Please open the crisis cafe on Saturdays and Sundays.")
        expect(visitor.get_by_role("heading", name="We cannot do this")).to_be_visible()
        expect(main).to_contain_text(f"We cannot, because {REFUSAL}")
        expect(main).to_contain_text("South East London Integrated Care Board")
        html = visitor.content()
        for private in (RESPONDER, ESCALATED_TO, escape(facilitator.email), "Dana Director", "Cal Chief"):
            assert private not in html, private
        fits(visitor)
        accessible(new_page, axe, visitor, javascript)
