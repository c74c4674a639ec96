"""Two steps on one ask at the same moment, on PostgreSQL: every service locks the ask first, then its link, so a
responder answering (or commenting) while a facilitator sends the link again never deadlocks."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from asks.models import Answer, Ask, FactCheck, ResponderLink
from asks.services import answer_give, ask_fact_check_send, ask_link_resend, fact_check_add
from tests.factories import SundayAskFactory, ask_sent_for_test

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_on_a_lock(outcome, timeout: float = 10) -> None:
    """Until another connection to this database waits on a row lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL shows the activity as it was at its first look, unless told to look again.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"The responder's step never waited for the facilitator's: {outcome}")


def _responder_step_while_resending(ask: Ask, facilitator, step) -> object:
    """The facilitator's resend holds the ask's lock when the responder's step starts; the resend then replaces
    the links. Returns what the responder's step returned or raised."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite runs one writing transaction at a time, so there is no race to test.")
    outcome = {}

    def responder():
        try:
            outcome["result"] = step()
        except Exception as error:  # noqa: BLE001 - the test reports whatever the step raised
            outcome["result"] = error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        with transaction.atomic():
            Ask.objects.select_for_update().get(pk=ask.pk)  # ask_link_resend's first step, held a moment.
            future = pool.submit(responder)
            _waiting_on_a_lock(outcome)
            ask_link_resend(ask=ask, by=facilitator)
        future.result(timeout=30)
    return outcome["result"]


def test_an_answer_sent_while_the_link_is_sent_again_waits_and_is_refused_cleanly(collaborative, facilitator):
    ask, _token = ask_sent_for_test(collaborative, by=facilitator)
    link = ResponderLink.objects.get(ask=ask)
    today = collaborative.local_today()

    result = _responder_step_while_resending(
        ask,
        facilitator,
        lambda: answer_give(link=link, kind="will", text="We will.", name="Priya Shah", today=today),
    )

    assert isinstance(result, ValidationError), result
    assert "A newer link was sent to you" in str(result)
    assert not Answer.objects.exists()
    assert ResponderLink.objects.filter(ask=ask).count() == 2


def test_fact_check_comments_sent_while_the_link_is_sent_again_wait_and_are_refused_cleanly(collaborative, facilitator):
    ask = SundayAskFactory(collaborative=collaborative, created_by=facilitator)
    link = ask_fact_check_send(ask=ask, by=facilitator, today=collaborative.local_today())
    today = collaborative.local_today()

    result = _responder_step_while_resending(
        ask, facilitator, lambda: fact_check_add(link=link, name="Priya", text="Wrong hours.", today=today)
    )

    assert isinstance(result, ValidationError), result
    assert not FactCheck.objects.exists()
