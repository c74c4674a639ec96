from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from asks.models import AskEvent, AskEvidence, FactCheck, ResponderLink, Sending
from asks.services import answer_due_on, ask_event
from collaborative.working_days import working_days_between
from tests.factories import AskFactory, SundayAskFactory, ask_answered, ask_sent, ask_sent_for_test

pytestmark = pytest.mark.django_db


def detail(ask) -> str:
    return reverse("asks:detail", kwargs={"slug": ask.collaborative.slug, "pk": ask.pk})


def test_the_clock_skips_christmas_the_boxing_day_substitute_and_new_year(facilitator, collaborative):
    # Sent on Monday 21 December 2026: Christmas Day (Friday), Boxing Day's substitute (Monday 28th) and
    # New Year's Day (Friday) are not working days, nor are the weekends.
    assert answer_due_on(date(2026, 12, 21)) == date(2027, 1, 21)
    ask = AskFactory(collaborative=collaborative)
    sending = ask_sent(ask, by=facilitator, today=date(2026, 12, 21))
    ask.refresh_from_db()
    assert sending.due_on == sending.first_due_on == ask.due_on == date(2027, 1, 21)
    assert working_days_between(date(2026, 12, 21), date(2027, 1, 21)) == 20


def test_the_page_shows_what_why_evidence_the_clock_sendings_answers_and_fact_checks(
    member_client, facilitator, collaborative
):
    ask = AskFactory(collaborative=collaborative, title="Weekend crisis cafe", reasons="Weekends are hardest.")
    AskEvidence.objects.create(ask=ask, description="Survey of carers", link="https://example.org/survey")
    check_link = ResponderLink.objects.create(ask=ask, purpose=ResponderLink.Purpose.CHECK, email="a@example.org")
    FactCheck.objects.create(ask=ask, link=check_link, name="Alex Morgan", text="The cafe opened in 2019, not 2018.")
    today = timezone.localdate()
    ask_sent(ask, by=facilitator, today=today)
    ask.refresh_from_db()

    body = member_client.get(detail(ask)).content.decode()

    assert "Weekend crisis cafe" in body
    assert "Weekends are hardest." in body
    assert "Survey of carers" in body
    assert f"({working_days_between(today, ask.due_on)} working days left)" in body
    assert "Sent on" in body
    assert "The cafe opened in 2019, not 2018." in body
    assert ask.responder_email not in body  # Facilitators only.
    assert "What facilitators can do" not in body

    ask_answered(ask, text="We will open on Saturdays from March.")
    body = member_client.get(detail(ask)).content.decode()
    assert "We will open on Saturdays from March." in body
    assert "(on time)" in body


def test_facilitators_see_their_steps_and_the_responders_address(facilitator_client, facilitator, collaborative):
    ask = AskFactory(collaborative=collaborative)
    body = facilitator_client.get(detail(ask)).content.decode()
    assert ask.responder_email in body
    assert "Change the ask" in body
    assert "Withdraw the ask" in body
    assert "Change the due date" not in body  # Not sent yet.
    ask_sent(ask, by=facilitator)
    body = facilitator_client.get(detail(ask)).content.decode()
    assert "Change the due date" in body
    assert "Change the ask" not in body


def test_outsiders_get_404_and_an_ask_of_another_collaborative_is_not_found(client, people, other_collaborative):
    ask = AskFactory(collaborative=other_collaborative)
    client.force_login(people["member"])
    assert client.get(reverse("asks:detail", kwargs={"slug": "lambeth", "pk": ask.pk})).status_code == 404
    assert client.get(reverse("asks:detail", kwargs={"slug": "luton", "pk": ask.pk})).status_code == 404


def test_the_timeline_is_append_only(facilitator, collaborative):
    ask = AskFactory(collaborative=collaborative)
    event = ask_event(ask=ask, what=AskEvent.What.WRITTEN, by=facilitator)
    event.note = "Rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The trigger that makes the timeline append-only is PostgreSQL's (asks/migrations/0002); "
    "on SQLite only the model refuses. Run with DATABASE_URL=postgres://... to check it.",
)
def test_postgresql_refuses_any_update_or_delete_of_the_timeline(facilitator, collaborative):
    ask = AskFactory(collaborative=collaborative)
    event = ask_event(ask=ask, what=AskEvent.What.WRITTEN, by=facilitator)
    # The table refuses it, whatever the code (asks/0002).
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AskEvent._meta.db_table} SET note = 'Rewritten' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AskEvent._meta.db_table} WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.note == ""


def grow(ask, facilitator, to: int) -> None:
    start = timezone.now() - timedelta(days=3000)
    have = ask.events.count()
    AskEvent.objects.bulk_create(
        AskEvent(ask=ask, what=AskEvent.What.EVIDENCE, by=facilitator, note=f"Step {have + i:04}", at=start)
        for i in range(to - have)
    )


def test_the_page_takes_as_many_queries_however_long_the_timeline(client, people, facilitator, collaborative):
    ask = AskFactory(collaborative=collaborative)
    ask_sent(ask, by=facilitator, today=timezone.localdate() - timedelta(days=40))
    ask_answered(ask)
    address = detail(ask)
    for role in ("member", "facilitator"):
        client.force_login(people[role])
        grow(ask, facilitator, 10)
        with CaptureQueriesContext(connection) as small:
            client.get(address)
        grow(ask, facilitator, 200 if role == "member" else 300)
        with CaptureQueriesContext(connection) as large:
            response = client.get(address)
        assert len(large) == len(small), role
        assert len(response.context["page"].object_list) <= 30
    earlier = client.get(address + "?page=1").content.decode()
    assert "Step 0002" in earlier  # The oldest, after the two steps of sending and answering.
    assert "Next page" in earlier
    assert escape(facilitator.display_name) in earlier
    assert Sending.objects.count() == 1


def test_the_due_date_and_what_working_days_are_are_shown_before_and_after_sending(
    facilitator_client, collaborative, facilitator
):
    today = collaborative.local_today()
    draft = SundayAskFactory(collaborative=collaborative, created_by=facilitator)
    page = facilitator_client.get(draft.get_absolute_url()).content.decode()
    assert f"The answer is due 20 working days from today, on {answer_due_on(today):%A %-d %B %Y}." in page
    assert "Working days leave out weekends and bank holidays in England and Wales." in page

    sent, _ = ask_sent_for_test(collaborative, by=facilitator)
    page = facilitator_client.get(sent.get_absolute_url()).content.decode()
    assert f"{sent.due_on:%A %-d %B %Y}" in page
    assert "Working days leave out weekends and bank holidays in England and Wales." in page
