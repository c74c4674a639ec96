"""An anonymous visitor on a phone (320 px) reads a Collaborative's public "What changed" page and an answered ask
on it (issue 17, item 8): the refusal in the responder's words, never their email address; the page readable with
JavaScript off for one load, nothing wider than the screen, and axe on every page."""

import pytest
from playwright.sync_api import Page, expect

from asks.models import Answer
from impact.services import publication_publish
from members.models import Membership
from tests.browser.test_vision_draft_form import accessible
from tests.factories import MembershipFactory
from tests.impact.rows import RESPONDER_EMAIL, answered_ask

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.mark.parametrize("javascript", [False, True], ids=["without JavaScript", "with JavaScript"])
def test_an_anonymous_visitor_reads_what_changed_on_a_phone(new_page, axe, collaborative, javascript):
    collaborative.is_public = True
    collaborative.save()
    facilitator = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    ask = answered_ask(
        collaborative, kind=Answer.Kind.CANNOT, text="We cannot, because the building is closed at weekends."
    )
    publication_publish(
        collaborative=collaborative,
        by=facilitator,
        kind="ask",
        ask=ask,
        title="A crisis cafe at weekends",
        summary="Members said weekends are the hardest time. We asked the trust to open the cafe then.",
    )

    page = new_page(viewport=PHONE, java_script_enabled=javascript)
    page.goto(f"/join/{collaborative.slug}/")
    page.get_by_role("link", name="What changed").click()
    expect(page.get_by_role("heading", level=1, name="What changed")).to_be_visible()
    fits(page)
    accessible(new_page, axe, page, javascript)

    page.get_by_role("link", name="A crisis cafe at weekends").click()
    expect(page.get_by_role("heading", level=1, name="A crisis cafe at weekends")).to_be_visible()
    expect(page.get_by_role("heading", name="We cannot do this")).to_be_visible()
    expect(page.get_by_text("because the building is closed at weekends")).to_be_visible()
    expect(page.get_by_text("South London and Maudsley NHS Trust").first).to_be_visible()
    assert RESPONDER_EMAIL not in page.content()
    fits(page)
    accessible(new_page, axe, page, javascript)
