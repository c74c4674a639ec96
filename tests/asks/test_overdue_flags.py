"""An ask past its due date is flagged on the home page (facilitators' "Things to do"), in the facilitators'
digest before a meeting and on the commissioners' overview of actions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from actions.emails import ACTIONS_DIGEST
from asks.models import Ask
from asks.selectors import overdue_asks
from notifications.delivery import message_render
from notifications.services import messages_queue
from tests.factories import MeetingFactory, ask_sent_for_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(collaborative, facilitator):
    """One ask a day past its due date, and one still in time."""
    today = collaborative.local_today()
    late, _ = ask_sent_for_test(collaborative, by=facilitator, title="Publish the waiting times")
    Ask.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=1))
    ask_sent_for_test(collaborative, by=facilitator, title="Open the crisis cafe on Sundays")
    late.refresh_from_db()
    return late


def test_overdue_asks_are_those_waiting_past_their_due_date(collaborative, overdue):
    found = overdue_asks(collaborative, collaborative.local_today())
    assert (found.count, found.asks, found.more) == (1, [overdue], 0)
    Ask.objects.filter(pk=overdue.pk).update(status=Ask.Status.ANSWERED)
    assert overdue_asks(collaborative, collaborative.local_today()).count == 0


def test_the_home_page_flags_them_to_every_member_and_asks_the_facilitators_to_act(
    client, people, collaborative, overdue
):
    url = reverse("home:collaborative_home", kwargs={"slug": collaborative.slug})
    link = f'<a href="{reverse("asks:list", kwargs={"slug": collaborative.slug})}?overdue=on">'
    client.force_login(people["facilitator"])
    page = client.get(url).content.decode()
    assert f"{link}1 ask to other organisations is past its due date</a>: remind, ask again or escalate." in page
    client.force_login(people["member"])
    page = client.get(url).content.decode()
    assert f"{link}1 ask to other organisations is past its due date</a>." in page
    assert "remind, ask again or escalate" not in page


def test_the_commissioners_overview_lists_them(client, people, collaborative, overdue):
    client.force_login(people["commissioner"])
    page = client.get(reverse("actions:dashboard", kwargs={"slug": collaborative.slug})).content.decode()
    assert "Asks overdue (1)" in page
    assert escape("Publish the waiting times") in page
    assert escape("Open the crisis cafe") not in page


def test_the_facilitators_digest_lists_them(people, collaborative, overdue):
    meeting = MeetingFactory(collaborative=collaborative)
    messages_queue(recipients=[people["facilitator"]], collaborative=collaborative, kind=ACTIONS_DIGEST, about=meeting)
    email = message_render(meeting.collaborative.messages.get(kind=ACTIONS_DIGEST.key))
    assert "Asks overdue (1):" in email.body
    assert "- Publish the waiting times: South London and Maudsley NHS Trust, due" in email.body
    assert "Publish the waiting times" in email.alternatives[0][0]
