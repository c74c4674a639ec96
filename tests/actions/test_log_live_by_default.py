"""The action log shows the live actions by default (issue 15, item 20): with no status chosen, only the open, in
progress and blocked ones, said as such, with "Include done and dropped actions" one link away (the other filters
kept). The exports follow the same filters; "Done since" narrows to the actions done from a day, as it is where
the Collaborative is; and every link to the log shows what it promises."""

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from members.models import Collaborative
from tests.factories import ActionFactory, MeetingFactory, MembershipFactory, action_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def url(name: str, **kwargs) -> str:
    return reverse(f"actions:{name}", kwargs={"slug": "lambeth", **kwargs})


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def titles(response) -> set[str]:
    assert response.status_code == 200
    return {action.title for action in response.context["page"].paginator.object_list}


@pytest.fixture
def statuses(collaborative) -> dict[str, Action]:
    """One action of each status, owned by Alice."""
    alice = MembershipFactory(collaborative=collaborative, user__display_name="Alice Ade").user
    return {
        status: ActionFactory(
            collaborative=collaborative,
            owner=alice,
            title=f"The {label.lower()} one",
            status=status,
            status_reason="A reason." if status in Action.NEEDS_REASON else "",
            due_on=TODAY + timedelta(days=n),
        )
        for n, (status, label) in enumerate(Action.Status.choices)
    }


LIVE = {"The open one", "The in progress one", "The blocked one"}
EVERY = LIVE | {"The done one", "The dropped one"}


def test_with_no_status_chosen_the_log_shows_the_live_actions_and_says_so(member_client, statuses):
    page = text(member_client.get(url("log")))
    assert titles(member_client.get(url("log"))) == LIVE
    assert "3 actions." in page
    # The statuses shown are ticked, so what the log holds is plain to see, and the "Filter" control says it.
    ticked = re.findall(r'name="status" value="(\w+)"[^>]* checked', page)
    assert ticked == ["open", "in_progress", "blocked"]
    assert "Filter (1 on: not done or dropped)" in page
    assert "Showing the actions not yet done or dropped." in page
    assert f'<a href="{url("log")}?finished=on">Include done and dropped actions</a>' in page


def test_include_done_and_dropped_keeps_the_other_filters(member_client, statuses):
    alice = statuses["open"].owner
    page = text(member_client.get(f"{url('log')}?owner={alice.pk}&sort=title&page=1"))
    link = re.search(r'<a href="([^"]+)">Include done and dropped actions</a>', page)[1]
    assert link == f"{url('log')}?owner={alice.pk}&sort=title&finished=on"
    response = member_client.get(link)
    assert titles(response) == EVERY
    page = text(response)
    assert re.findall(r'name="status" value="(\w+)"[^>]* checked', page) == list(Action.Status.values)
    assert "Include done and dropped actions" not in page
    assert f"Filter (1 on: owned by {alice.display_name})" in page


def test_a_status_chosen_is_shown_whatever_it_is(member_client, statuses):
    assert titles(member_client.get(f"{url('log')}?status=done&status=dropped")) == {"The done one", "The dropped one"}
    page = text(member_client.get(f"{url('log')}?status=done&overdue="))
    assert "Filter (1 on: status done)" in page
    assert "Include done and dropped actions" not in page


def test_a_log_with_only_finished_actions_says_none_are_live_and_offers_them(member_client, collaborative):
    ActionFactory(collaborative=collaborative, title="Long done", status=Action.Status.DONE)
    page = text(member_client.get(url("log")))
    assert "No action is open, in progress or blocked." in page
    assert "There are no actions yet." not in page
    assert f'<a href="{url("log")}?finished=on">Include done and dropped actions</a>' in page


def test_nothing_live_matching_offers_the_finished_ones_too(member_client, statuses):
    page = text(member_client.get(f"{url('log')}?q=done+one"))
    assert (
        "No actions match these filters: “done one” in the title, description or organisation; "
        "not done or dropped." in page
    )
    assert f'<a href="{url("log")}?q=done+one&finished=on">Include done and dropped actions</a>' in page
    assert titles(member_client.get(f"{url('log')}?q=done+one&finished=on")) == {"The done one"}


def exported(client, query: str = "") -> set[str]:
    response = client.get(f"{url('export_csv')}{query}")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["Title"] for row in csv.DictReader(io.StringIO(body))}


def test_the_exports_follow_the_same_filters_as_the_page(member_client, statuses):
    assert exported(member_client) == LIVE
    assert exported(member_client, "?finished=on") == EVERY
    assert exported(member_client, "?status=dropped") == {"The dropped one"}
    page = text(member_client.get(f"{url('log')}?finished=on"))
    assert f'href="{url("export_csv")}?finished=on"' in page


def test_done_since_is_a_day_where_the_collaborative_is(member_client, collaborative, member):
    # Auckland is 13 hours ahead of UTC in December.
    Collaborative.objects.filter(pk=collaborative.pk).update(time_zone="Pacific/Auckland")
    just_in = action_record(collaborative, by=member, title="Just in", status="done")
    just_out = action_record(collaborative, by=member, title="Just out", status="done")
    action_record(collaborative, by=member, title="Not done", status="open")
    Action.objects.filter(pk=just_in.pk).update(done_at=datetime(2026, 11, 30, 11, 30, tzinfo=UTC))  # 00:30, 1 Dec.
    Action.objects.filter(pk=just_out.pk).update(done_at=datetime(2026, 11, 30, 10, 30, tzinfo=UTC))  # 23:30, 30 Nov.
    response = member_client.get(f"{url('log')}?status=done&done_from=2026-12-01")
    assert titles(response) == {"Just in"}
    page = text(response)
    assert "Only the actions done since 1 December 2026" in page
    assert "Filter (2 on: status done; done since 1 December 2026)" in page
    # Without a status, "done since" means done ones, not the live ones shown by default.
    assert titles(member_client.get(f"{url('log')}?done_from=2026-12-01")) == {"Just in"}
    assert "Done since: Enter a valid date." in text(member_client.get(f"{url('log')}?done_from=soon"))


# Every link to the log shows what it promises.


def test_the_overview_links_each_organisation_to_all_its_actions(client, collaborative, people):
    for status in ("open", "done", "dropped"):
        ActionFactory(
            collaborative=collaborative,
            organisation="Lambeth Council",
            status=status,
            status_reason="A reason." if status == "dropped" else "",
        )
    client.force_login(people["commissioner"])
    page = text(client.get(url("dashboard")))
    link = re.search(r'<a href="([^"]+)">Lambeth Council</a>', page)[1]
    assert client.get(link).context["page"].paginator.count == 3  # As its row's "All".


def test_the_overviews_overdue_count_is_what_its_link_shows(client, collaborative, people):
    ActionFactory(collaborative=collaborative, due_on=TODAY - timedelta(days=3))
    ActionFactory(collaborative=collaborative, due_on=TODAY - timedelta(days=3), status="done")
    client.force_login(people["commissioner"])
    page = text(client.get(url("dashboard")))
    link, count = re.search(r'<a href="([^"]+)">(\d+)</a></strong> overdue', page).groups()
    assert client.get(link).context["page"].paginator.count == int(count) == 1


def test_a_meetings_see_all_includes_its_finished_actions(member_client, collaborative, member):
    meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=3))
    for n in range(25):
        status = "done" if n % 2 else "open"
        action_record(collaborative, by=member, title=f"From it {n}", meeting=meeting, status=status)
    page = text(member_client.get(meeting.get_absolute_url()))
    link = re.search(r'<a href="([^"]+)">See all 25 in the action log</a>', page)[1]
    assert member_client.get(link).context["page"].paginator.count == 25


def test_all_the_actions_you_own_still_to_do_are_those_the_link_shows(member_client, collaborative, member):
    for n in range(12):
        action_record(collaborative, by=member, title=f"Job {n}")
    action_record(collaborative, by=member, title="Finished job", status="done")
    page = text(member_client.get(reverse("home:collaborative_home", kwargs={"slug": "lambeth"})))
    link = re.search(r'<a href="([^"]+)">All the actions you own that are still to do</a>', page)[1]
    assert member_client.get(link).context["page"].paginator.count == 12


def test_the_digest_emails_link_to_the_matters_arising_includes_finished_ones(collaborative):
    from actions.emails import digest_context

    meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() + timedelta(days=3))

    class Message:
        about = meeting
        due_at = timezone.now()

    Message.collaborative = collaborative
    assert digest_context(Message)["arising_url"].endswith(f"?arising={meeting.pk}&finished=on")
    assert digest_context(Message)["overdue_url"].endswith("?overdue=on")  # Overdue actions are live ones.
