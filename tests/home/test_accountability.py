"""Something aimed at the commissioner (issue 15, item 18): "Accountability" in the navigation for commissioners and
facilitators, leading to the actions overview and reviews, and a card on the Collaborative's home page with how
many actions are overdue, blocked and done this month, each a link to the log showing exactly those."""

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.services import action_change
from members.models import Membership
from tests.caching import nothing_cached
from tests.factories import ActionFactory, MembershipFactory, action_record

pytestmark = pytest.mark.django_db

HOME = reverse("home:collaborative_home", kwargs={"slug": "lambeth"})
LOG = reverse("actions:log", kwargs={"slug": "lambeth"})


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def card(page: str) -> str:
    return page.split('<section aria-labelledby="accountability-heading" class="card">')[1].split("</section>")[0]


def counts_and_links(page: str) -> dict[str, tuple[int, str]]:
    """Each count on the card, by what it counts ("overdue", "blocked", "done"), with its link."""
    found = re.findall(r'<a href="([^"]+)"><strong>(\d+)</strong> (overdue|blocked|done)', card(page))
    return {what: (int(count), link) for link, count, what in found}


@pytest.fixture
def commissioner_client(client, people):
    client.force_login(people["commissioner"])
    return client


@pytest.fixture
def mixed(collaborative, member):
    """Actions that the three counts must tell apart: overdue or not, blocked (and overdue), done this month or
    before it, and dropped."""
    today = collaborative.local_today()

    def make(title, status="open", due=14, **fields):
        reason = "A reason." if status in Action.NEEDS_REASON else ""
        return action_record(
            collaborative,
            by=member,
            title=title,
            status=status,
            status_reason=reason,
            due_on=today + timedelta(days=due),
            **fields,
        )

    make("Overdue and open", due=-3)
    make("Overdue and in progress", "in_progress", due=-1)
    make("Due today", due=0)
    make("Blocked, not due", "blocked")
    make("Blocked and overdue", "blocked", due=-5)
    make("Dropped and past due", "dropped", due=-5)
    make("Done and past due", "done", due=-5)  # Done now: this month.
    earlier = make("Done last month", "open")
    action_change(action=earlier, by=member, changes={"status": "done"})
    Action.objects.filter(pk=earlier.pk).update(done_at=timezone.now() - timedelta(days=40))
    reopened = make("Reopened", "done")
    action_change(action=reopened, by=member, changes={"status": "open"})
    start = _month_start()
    ActionFactory(collaborative=collaborative, title="Done on the 1st, just", status="done", done_at=start)
    ActionFactory(
        collaborative=collaborative, title="Done just before", status="done", done_at=start - timedelta(seconds=1)
    )


def _month_start() -> datetime:
    from members.models import Collaborative

    collaborative = Collaborative.objects.get(slug="lambeth")
    today = collaborative.local_today()
    return datetime(today.year, today.month, 1, tzinfo=collaborative.zone)


def test_each_count_on_the_card_is_what_its_link_shows(commissioner_client, mixed):
    page = text(commissioner_client.get(HOME))
    counts = counts_and_links(page)
    assert {what: count for what, (count, _link) in counts.items()} == {"overdue": 3, "blocked": 2, "done": 2}
    for what, (count, link) in counts.items():
        log = commissioner_client.get(link)
        assert log.context["page"].paginator.count == count, (what, link)
        assert f"{count} action{'' if count == 1 else 's'}." in text(log)
    month_start = _month_start().date()
    assert counts["done"][1] == f"{LOG}?status=done&done_from={month_start.isoformat()}"
    assert f"done since {month_start:%-d %B}" in card(page)


def test_the_card_links_to_the_overview_and_for_commissioners_the_reviews(client, people, mixed):
    client.force_login(people["commissioner"])
    shown = card(text(client.get(HOME)))
    assert f'href="{reverse("actions:dashboard", kwargs={"slug": "lambeth"})}"' in shown
    assert f'href="{reverse("actions:reviews", kwargs={"slug": "lambeth"})}"' in shown
    client.force_login(people["facilitator"])
    shown = card(text(client.get(HOME)))
    assert f'href="{reverse("actions:dashboard", kwargs={"slug": "lambeth"})}"' in shown
    assert "reviews" not in shown  # Reviews are the commissioners' own.


def test_members_and_those_not_past_two_step_sign_in_get_no_card(client, people, collaborative, mixed):
    client.force_login(people["member"])
    page = text(client.get(HOME))
    assert "accountability-heading" not in page
    assert ">Accountability</a>" not in page
    facilitator = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    client.force_login(facilitator, two_step=False)
    page = text(client.get(HOME))
    assert "accountability-heading" not in page  # Seen as a member sees it, until the code is given.


def test_accountability_is_in_the_navigation_for_commissioners_and_facilitators(client, people):
    dashboard = reverse("actions:dashboard", kwargs={"slug": "lambeth"})
    for role in ("commissioner", "facilitator"):
        client.force_login(people[role])
        assert f'<a href="{dashboard}">Accountability</a>' in text(client.get(HOME)), role
        page = text(client.get(dashboard))
        assert f'<a href="{dashboard}" aria-current="page">Accountability</a>' in page, role
        assert f'<a href="{LOG}">Actions</a>' in page, role  # Not the current page as well.
    client.force_login(people["commissioner"])
    reviews = text(client.get(reverse("actions:reviews", kwargs={"slug": "lambeth"})))
    assert f'<a href="{dashboard}" aria-current="page">Accountability</a>' in reviews
    log = text(client.get(LOG))
    assert f'<a href="{LOG}" aria-current="page">Actions</a>' in log
    assert f'<a href="{dashboard}">Accountability</a>' in log


def test_the_card_follows_the_data_and_the_day(commissioner_client, collaborative, member, settings, monkeypatch):
    """Kept ready-made, the card still changes at once when an action does, and on the 1st of a month: a new
    month starts "done since" again, with no change to the data."""
    caches = {name: dict(config) for name, config in django_settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches  # One cache for the whole test, shared by every request in it.
    action = action_record(collaborative, by=member, title="Soon done", due_on=collaborative.local_today())
    assert counts_and_links(text(commissioner_client.get(HOME)))["done"][0] == 0
    action_change(action=action, by=member, changes={"status": "done"})
    assert counts_and_links(text(commissioner_client.get(HOME)))["done"][0] == 1
    # Done late on the last day of last month: the same data a minute before and a minute after midnight on the 1st.
    start = _month_start()
    Action.objects.filter(pk=action.pk).update(done_at=start - timedelta(hours=2))
    before = (start - timedelta(days=1)).replace(day=1)
    for moment, expected, month in (
        (start - timedelta(minutes=1), 1, before),
        (start + timedelta(minutes=1), 0, start),
    ):
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment.astimezone(UTC))
        shown = text(commissioner_client.get(HOME))
        assert counts_and_links(shown)["done"][0] == expected, moment
        assert f"done since {month:%-d %B}" in card(shown)


def test_the_home_page_of_a_commissioner_costs_the_same_queries_for_more_actions(commissioner_client, collaborative):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with nothing_cached(), CaptureQueriesContext(connection) as captured:
            assert commissioner_client.get(HOME).status_code == 200
        return len(captured)

    owner = MembershipFactory(collaborative=collaborative).user
    ActionFactory(collaborative=collaborative, owner=owner, status="blocked", status_reason="No.")
    commissioner_client.get(HOME)
    few = queries()
    today = collaborative.local_today()
    for n in range(30):
        ActionFactory(collaborative=collaborative, owner=owner, due_on=today - timedelta(days=n))
        ActionFactory(collaborative=collaborative, owner=owner, status="done", done_at=timezone.now())
    assert queries() == few
