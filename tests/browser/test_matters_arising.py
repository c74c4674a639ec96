"""A meeting's matters arising at size, in the browser (issue 14): the meeting's page lists the most pressing
20 with counts by kind, "See all" opens the log filtered to exactly them, said as a box to untick, and
unticking it shows every action (htmx, the address changes). axe runs on both pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from actions.models import Action
from tests.browser.conftest import sign_in
from tests.browser.test_actions import accessible
from tests.browser.test_meetings import LAMBETH, heading
from tests.factories import MeetingFactory, MembershipFactory

pytestmark = pytest.mark.browser


def test_a_member_goes_from_the_matters_arising_to_the_log_of_them_all(new_page, axe, collaborative):
    member = MembershipFactory(collaborative=collaborative, user__display_name="Kit Walsh").user
    now = timezone.now()
    today = collaborative.local_today()
    MeetingFactory(collaborative=collaborative, starts_at=now - timedelta(days=10))
    upcoming = MeetingFactory(collaborative=collaborative, starts_at=now + timedelta(days=7))
    Action.objects.bulk_create(
        [
            Action(
                collaborative=collaborative, title=f"Overdue {i:02d}", owner=member, due_on=today - timedelta(days=3)
            )
            for i in range(25)
        ]
        + [
            Action(
                collaborative=collaborative,
                title=f"Later {i:02d}",
                due_on=today + timedelta(days=90),
                updated_at=now - timedelta(days=60),
            )
            for i in range(5)
        ]
    )

    page = new_page()
    page.goto("/")
    sign_in(page, member.email)
    expect(heading(page, LAMBETH)).to_be_visible()
    page.goto(upcoming.get_absolute_url())
    arising = page.get_by_role("region", name="Matters arising")
    expect(arising).to_contain_text("25 in all, the most pressing 20 listed here.")
    expect(arising.get_by_role("heading", name="Overdue: 25")).to_be_visible()
    expect(arising.get_by_role("listitem")).to_have_count(20)
    accessible(axe, page)

    arising.get_by_role("link", name="See all 25 in the action log").click()
    expect(page.locator("#action-count")).to_have_text("25 actions.")
    only = page.get_by_role("checkbox", name=re.compile(r"^Only the matters arising for the meeting on "))
    expect(only).to_be_checked()
    accessible(axe, page)

    only.uncheck()
    expect(page.locator("#action-count")).to_have_text("30 actions.")
    expect(page).not_to_have_url(re.compile("arising="))
