from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from asks.models import Answer, Ask, Sending
from asks.selectors import organisation_figures
from tests.factories import AskFactory, GoalFactory, ask_answered, ask_sent

pytestmark = pytest.mark.django_db


def list_url(collaborative, query: str = "") -> str:
    return reverse("asks:list", kwargs={"slug": collaborative.slug}) + query


def test_every_member_reads_the_asks_and_an_overdue_one_is_flagged(member_client, collaborative, facilitator):
    late = AskFactory(collaborative=collaborative, title="Weekend crisis cafe")
    ask_sent(late, by=facilitator, today=timezone.localdate() - timedelta(days=60))
    AskFactory(collaborative=collaborative, title="Carers' room at the hub")

    response = member_client.get(list_url(collaborative))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Weekend crisis cafe" in body
    assert escape("Carers' room at the hub") in body
    assert body.count('<strong class="flag">Overdue</strong>') == 1
    assert 'aria-current="page">Asks</a>' in body  # In the Collaborative's navigation.
    assert "Write an ask" not in body  # Facilitators only.


def test_outsiders_get_404_and_anonymous_people_sign_in(client, people, collaborative):
    client.force_login(people["outsider"])
    assert client.get(list_url(collaborative)).status_code == 404
    client.logout()
    assert client.get(list_url(collaborative)).status_code == 302


def test_filters_narrow_the_list(member_client, collaborative, facilitator):
    goal = GoalFactory(collaborative=collaborative, title="Help at weekends")
    waiting = AskFactory(collaborative=collaborative, title="Waiting one", goal=goal)
    ask_sent(waiting, by=facilitator, today=timezone.localdate() - timedelta(days=60))
    AskFactory(collaborative=collaborative, title="Council one", organisation="Lambeth Council")
    AskFactory(collaborative=collaborative, title="Draft one")

    def shown(query: str) -> set[str]:
        page = member_client.get(list_url(collaborative, query)).context["page"]
        return {ask.title for ask in page.object_list}

    assert shown("?status=escalated&status=waiting") == {"Waiting one"}
    assert shown("?overdue=on") == {"Waiting one"}
    assert shown("?organisation=Lambeth+Council") == {"Council one"}
    assert shown(f"?goal={goal.pk}") == {"Waiting one"}
    assert shown("?q=draft") == {"Draft one"}
    assert shown("?sort=title") == {"Waiting one", "Council one", "Draft one"}


def test_a_bad_filter_is_explained_and_the_rest_still_apply(member_client, collaborative):
    AskFactory(collaborative=collaborative, title="Draft one")
    response = member_client.get(list_url(collaborative, "?status=lost&goal=999999&q=draft"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. lost is not one of the available choices." in body
    assert "Draft one" in body


def test_the_htmx_fragment_is_the_table_alone(member_client, collaborative):
    AskFactory(collaborative=collaborative, title="Draft one")
    response = member_client.get(list_url(collaborative, "?q=draft"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="ask-table"' in body
    assert "How organisations answered" not in body


def test_each_organisation_counts_asks_sent_answered_on_time_late_or_not_and_what_they_said(collaborative, facilitator):
    today = date(2026, 11, 30)
    trust, council = "South London and Maudsley NHS Trust", "Lambeth Council"
    on_time = AskFactory(collaborative=collaborative, organisation=trust)
    ask_sent(on_time, by=facilitator, today=date(2026, 10, 1))
    ask_answered(on_time, kind=Answer.Kind.WILL, on=date(2026, 10, 10))
    late = AskFactory(collaborative=collaborative, organisation=trust)
    ask_sent(late, by=facilitator, today=date(2026, 6, 1))
    ask_answered(late, kind=Answer.Kind.CANNOT, on=date(2026, 9, 1))
    waiting = AskFactory(collaborative=collaborative, organisation=council)
    ask_sent(waiting, by=facilitator, today=date(2026, 9, 1))
    too_old = AskFactory(collaborative=collaborative, organisation=council)
    ask_sent(too_old, by=facilitator, today=date(2025, 11, 1))
    AskFactory(collaborative=collaborative, organisation="Never sent to")

    figures = {row.organisation: row for row in organisation_figures(collaborative, today)}

    assert set(figures) == {trust, council}
    assert (figures[trust].sent, figures[trust].on_time, figures[trust].late, figures[trust].unanswered) == (2, 1, 1, 0)
    assert figures[trust].said == {"will": 1, "part": 0, "cannot": 1, "more_time": 0}
    assert (figures[council].sent, figures[council].unanswered, figures[council].overdue) == (1, 1, 1)


def test_the_figures_show_as_a_chart_and_a_table(member_client, collaborative, facilitator):
    ask = AskFactory(collaborative=collaborative, organisation="Lambeth Council")
    ask_sent(ask, by=facilitator)
    body = member_client.get(list_url(collaborative)).content.decode()
    assert "<svg" in body
    assert '<th scope="row">Lambeth Council</th>' in body
    assert "Asks sent and answers, by organisation" in body


def grow(collaborative, facilitator, to: int) -> None:
    have = Ask.objects.filter(collaborative=collaborative).count()
    for i in range(have, to):
        ask = AskFactory(collaborative=collaborative, title=f"Ask {i:03}", organisation=f"Organisation {i % 7}")
        if i % 2:
            ask_sent(ask, by=facilitator, today=timezone.localdate() - timedelta(days=i))


def test_the_list_takes_as_many_queries_at_two_asks_as_at_sixty_and_shows_fifty_a_page(
    member_client, collaborative, facilitator
):
    address = list_url(collaborative)
    grow(collaborative, facilitator, 2)
    with CaptureQueriesContext(connection) as small:
        member_client.get(address)
    grow(collaborative, facilitator, 60)
    with CaptureQueriesContext(connection) as large:
        response = member_client.get(address)
    assert len(large) == len(small)
    assert len(response.context["page"].object_list) == 50
    assert "Next page" in response.content.decode()
    assert Sending.objects.count() == 30
