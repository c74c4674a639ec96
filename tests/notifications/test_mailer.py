"""Delivery over real SMTP, in this process: an aiosmtpd server that refuses some addresses."""

import socket
from contextlib import nullcontext
from datetime import timedelta

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone

from members.emails import WELCOME
from members.models import Membership
from notifications import kinds
from notifications.delivery import MAX_ATTEMPTS, MAX_COUNTDOWN, RECLAIM_AFTER, messages_claim, messages_send
from notifications.kinds import Kind
from notifications.mailer import Mailer, TransientDeliveryError
from notifications.models import Message
from notifications.services import messages_queue
from notifications.tasks import send_messages_task
from tests.factories import MembershipFactory
from tests.smtp_sink import SMTPSink

pytestmark = pytest.mark.django_db


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""


@pytest.fixture
def sink(settings):
    with SMTPSink() as sink:
        use_smtp(settings, sink.port)
        yield sink


def members(collaborative, *emails: str) -> list:
    return [
        MembershipFactory(collaborative=collaborative, user__email=email, role=Membership.Role.MEMBER).user
        for email in emails
    ]


def claim_welcomes(collaborative, people) -> tuple[str, list[int]]:
    """Queue a welcome to each person, in this order, and claim them as one batch."""
    messages_queue(recipients=people, collaborative=collaborative, kind=WELCOME, about=collaborative)
    return messages_claim()


def message_to(email: str) -> Message:
    return Message.objects.get(recipient__email=email)


def test_a_refused_address_fails_and_the_others_are_sent_once(sink, collaborative):
    people = members(collaborative, "first@example.org", "reject.me@example.org", "last@example.org")
    claim, ids = claim_welcomes(collaborative, people)

    assert messages_send(claim=claim, ids=ids) == 2

    refused = message_to("reject.me@example.org")
    assert refused.status == Message.Status.FAILED
    assert refused.attempts == 1
    assert "550" in refused.last_error
    assert "No such mailbox here" in refused.last_error
    assert message_to("first@example.org").status == Message.Status.SENT
    assert message_to("last@example.org").status == Message.Status.SENT
    assert sink.per_recipient() == {"first@example.org": 1, "last@example.org": 1}


def test_a_refusal_for_now_waits_alone_and_the_rest_of_the_batch_goes_out(sink, collaborative):
    people = members(collaborative, "first@example.org", "flaky@example.org", "last@example.org")
    sink.handler.flaky["flaky@example.org"] = 1
    claim, ids = claim_welcomes(collaborative, people)

    assert messages_send(claim=claim, ids=ids) == 2

    flaky = message_to("flaky@example.org")
    assert (flaky.status, flaky.attempts, flaky.claim) == (Message.Status.PENDING, 1, "")
    assert "451" in flaky.last_error
    assert flaky.due_at > timezone.now()  # Back in the outbox, due after a backoff.
    assert sink.per_recipient() == {"first@example.org": 1, "last@example.org": 1}

    # Not claimed before it is due; the scan at its due time sends it, and nothing twice.
    assert messages_claim()[1] == []
    claim, ids = messages_claim(now=flaky.due_at)
    assert ids == [flaky.pk]
    assert messages_send(claim=claim, ids=ids) == 1
    flaky.refresh_from_db()
    assert (flaky.status, flaky.attempts, flaky.last_error) == (Message.Status.SENT, 2, "")
    assert sink.per_recipient() == {"first@example.org": 1, "flaky@example.org": 1, "last@example.org": 1}


def test_a_message_refused_for_now_every_time_is_given_up_after_the_last_try(sink, collaborative):
    [person] = members(collaborative, "full.mailbox@example.org")
    sink.handler.flaky["full.mailbox@example.org"] = 1000
    claim, ids = claim_welcomes(collaborative, [person])
    for _ in range(MAX_ATTEMPTS):
        messages_send(claim=claim, ids=ids)
        claim, ids = messages_claim(now=timezone.now() + timedelta(days=1))

    given_up = message_to("full.mailbox@example.org")
    assert given_up.status == Message.Status.FAILED
    assert given_up.attempts == MAX_ATTEMPTS  # What the reason says, facilitators read.
    assert given_up.last_error.startswith(f"Gave up after {MAX_ATTEMPTS} tries. ")
    assert "451" in given_up.last_error
    assert ids == []


def test_a_message_being_retried_is_not_claimed_again_by_the_scan(settings, collaborative):
    """The scan takes back rows whose task was lost, not rows whose task is still retrying.

    A retry comes at most MAX_COUNTDOWN after the last attempt, so a row attempted just
    now must not be claimed again within that time, however long ago it was first claimed.
    """
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    use_smtp(settings, closed_port)
    [person] = members(collaborative, "first@example.org")
    first_claimed = timezone.now() - RECLAIM_AFTER + timedelta(minutes=1)
    messages_queue(
        recipients=[person], collaborative=collaborative, kind=WELCOME, about=collaborative, due_at=first_claimed
    )
    claim, ids = messages_claim(now=first_claimed)

    with pytest.raises(TransientDeliveryError):
        messages_send(claim=claim, ids=ids)  # A retry, almost RECLAIM_AFTER after the claim.

    assert messages_claim(now=timezone.now() + timedelta(seconds=MAX_COUNTDOWN))[1] == []


def test_a_mail_server_that_is_down_sends_nothing(settings, collaborative):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    use_smtp(settings, closed_port)
    people = members(collaborative, "first@example.org", "last@example.org")
    claim, ids = claim_welcomes(collaborative, people)

    with pytest.raises(TransientDeliveryError, match="Could not reach the mail server"):
        messages_send(claim=claim, ids=ids)

    assert not Message.objects.filter(status=Message.Status.SENT).exists()
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.SENDING}
    assert message_to("first@example.org").attempts == 1


def test_the_connection_to_the_mail_server_has_a_time_limit(sink):
    """Without EMAIL_TIMEOUT, a mail server that stops answering holds a worker for ever."""
    assert Mailer().backend.timeout is not None
    assert 0 < Mailer().backend.timeout <= 60


DOTTED_TEXT = "Agenda:\n.\n.hidden by a careless server\n..two dots\nEnd of the agenda.\n"


def test_lines_starting_with_a_dot_arrive_intact(sink, settings, monkeypatch, collaborative):
    dotted = Kind(key="dotted", label="Dotted", description="Lines with dots.")
    monkeypatch.setitem(kinds._registry, dotted.key, dotted)
    engine = {**settings.TEMPLATES[0], "APP_DIRS": False}
    templates = {
        "notifications/email/dotted_subject.txt": "Dots",
        "notifications/email/dotted.txt": DOTTED_TEXT,
        "notifications/email/dotted.html": "<p>Dots</p>\n.\n",
    }
    engine["OPTIONS"] = {**engine["OPTIONS"], "loaders": [("django.template.loaders.locmem.Loader", templates)]}
    settings.TEMPLATES = [engine]
    [person] = members(collaborative, "dots@example.org")
    messages_queue(recipients=[person], collaborative=collaborative, kind=dotted, about=collaborative)
    claim, ids = messages_claim()

    assert messages_send(claim=claim, ids=ids) == 1

    [received] = sink.received
    parts = {part.get_content_type(): part for part in received.walk()}
    text = parts["text/plain"].get_payload(decode=True).decode().replace("\r\n", "\n")
    assert text == DOTTED_TEXT
    assert parts["text/html"].get_payload(decode=True).decode().replace("\r\n", "\n") == "<p>Dots</p>\n.\n"


def test_nothing_reaches_the_server_when_the_record_says_no(sink):
    with Mailer() as mailer:
        refused = EmailMessage("Not this one", "Body", to=["first@example.org"])
        assert mailer.deliver(refused, recording=lambda: nullcontext(False), undo=lambda: None) is False
        # The connection was dropped mid-message; the next message goes out on a new one.
        accepted = EmailMessage("This one", "Body", to=["last@example.org"])
        assert mailer.deliver(accepted, recording=lambda: nullcontext(True), undo=lambda: None) is True
    assert [message["Subject"] for message in sink.received] == ["This one"]


def test_a_message_claimed_by_a_later_scan_mid_send_is_not_sent(sink, monkeypatch, settings, collaborative):
    """The row's claim changes after the message was written, before it is committed."""

    def claim_elsewhere(message):
        Message.objects.filter(pk=message.pk).update(claim="a-later-scan")
        return []

    monkeypatch.setitem(
        kinds._registry,
        WELCOME.key,
        Kind(key=WELCOME.key, label="Welcome", description="", attachments=claim_elsewhere),
    )
    [person] = members(collaborative, "first@example.org")
    claim, ids = claim_welcomes(collaborative, [person])

    assert messages_send(claim=claim, ids=ids) == 0

    message = Message.objects.get()
    assert (message.status, message.claim, message.attempts) == (Message.Status.SENDING, "a-later-scan", 0)
    assert sink.count() == 0


def test_a_mail_server_that_never_answers_is_a_failure_for_now(settings, collaborative):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # Connections are accepted by the kernel; nothing ever answers them.
        use_smtp(settings, silent.getsockname()[1])
        settings.EMAIL_TIMEOUT = 0.2
        people = members(collaborative, "first@example.org")
        claim, ids = claim_welcomes(collaborative, people)

        with pytest.raises(TransientDeliveryError, match="Could not reach the mail server"):
            messages_send(claim=claim, ids=ids)

    message = message_to("first@example.org")
    assert (message.status, message.attempts) == (Message.Status.SENDING, 1)


def test_the_send_task_gives_up_after_its_last_retry_and_returns_untried_messages(settings, collaborative):
    """The mail server stays down: the message that kept failing is failed, the rest wait."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    use_smtp(settings, closed_port)
    people = members(collaborative, "first@example.org", "second@example.org")
    claim, ids = claim_welcomes(collaborative, people)

    send_messages_task.apply(args=(claim, ids))  # Runs here, with every retry at once.

    tried = message_to("first@example.org")
    assert tried.status == Message.Status.FAILED
    assert tried.attempts == MAX_ATTEMPTS
    assert tried.last_error.startswith(f"Gave up after {MAX_ATTEMPTS} tries. Could not reach the mail server")
    untried = message_to("second@example.org")
    assert (untried.status, untried.attempts, untried.claim) == (Message.Status.PENDING, 0, "")
