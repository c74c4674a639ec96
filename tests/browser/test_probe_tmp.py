import pytest
from members.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

def test_probe(new_page, collaborative, other_collaborative):
    user = UserFactory(display_name="Amina Okafor")
    MembershipFactory(user=user, collaborative=collaborative)
    MembershipFactory(user=user, collaborative=other_collaborative, role=Membership.Role.FACILITATOR)
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto("/")
    sign_in(page, user.email)
    print(page.url)
    page.goto("/c/lambeth/")
    print("button role count", page.get_by_role("button", name="switch Collaborative").count())
    print("summary", page.locator("summary").count())
    print(page.evaluate("document.documentElement.scrollWidth"))
    page.screenshot(path="/tmp/shot-home-320.png", full_page=True)
    page.locator("summary").click()
    print(page.locator(".switcher ul").bounding_box())
    print(page.evaluate("document.documentElement.scrollWidth"))
    page.screenshot(path="/tmp/shot-switcher-320.png", full_page=True)
    page.goto("/c/luton/settings/")
    page.get_by_label("Name", exact=False).fill("")
    page.get_by_role("button", name="Save details").click()
    print(page.locator("main").inner_html())
    page.screenshot(path="/tmp/shot-settings-error-320.png", full_page=True)
    page.goto("/accounts/logout/")
    print(page.locator("main").inner_html())
