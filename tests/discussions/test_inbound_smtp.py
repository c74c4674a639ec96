"""Replying by email, end to end: a real SMTP conversation with the server `manage.py inbound_smtp` runs (started
here from the command's own code, on a free port), PostgreSQL committing what each email did, and the outbox
answering what could not be added."""

import smtplib
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from django.db import connection
from django.utils import timezone

from discussions.inbound import AUTOMATIC, REASONS
from discussions.links import reply_address
from discussions.management.commands.inbound_smtp import inbound_controller
from discussions.models import Comment, InboundEmail, Thread
from members.models import Membership
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message
from tests.factories import EmailAddressFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DOMAIN = "reply.lambeth.example.org"
QUOTED_REPLY = """I can come on Tuesday.

Shall I bring the leaflets?

Best wishes,
Sam
--
Sam Okafor
Carers Voice Lambeth
07700 900123

On Mon, 3 Mar 2025 at 10:00, Living Well Collaboratives <{to}> wrote:
> A new comment in "A crisis cafe on Saturdays"
>
> Priya wrote: could we meet on Tuesday?
"""


@pytest.fixture
def server(settings):
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: set DATABASE_URL=postgres://... (see README, Tests).")
    settings.REPLY_EMAIL_DOMAIN = DOMAIN
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = inbound_controller(host="127.0.0.1", port=port)
    controller.start()
    yield ("127.0.0.1", port)
    controller.stop()


@pytest.fixture
def thread(collaborative, facilitator):
    return Thread.objects.create(
        collaborative=collaborative, title="A crisis cafe on Saturdays", text="Shall we ask?", started_by=facilitator
    )


def an_email(*, to: str, sender: str, text: str, message_id: str = "", **headers) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to
    email["Subject"] = "Re: A new comment"
    email["Message-ID"] = message_id or f"<{timezone.now().timestamp()}.{id(email)}@mail.example.net>"
    for name, value in headers.items():
        email[name.replace("_", "-")] = value
    email.set_content(text)
    return email


def send(server, email: EmailMessage, *, envelope_sender: str | None = None, to: str | None = None) -> None:
    with smtplib.SMTP(*server, timeout=30) as smtp:
        smtp.sendmail(
            envelope_sender if envelope_sender is not None else email["From"],
            [to or email["To"]],
            email.as_bytes(policy=SMTP),  # Lines end in CRLF on the wire, as SMTP says.
        )


def answers() -> list[Message]:
    return list(Message.objects.filter(kind="reply_not_accepted").order_by("id"))


def deliver(mailoutbox):
    claim, ids = messages_claim(now=timezone.now() + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)
    return mailoutbox


def test_a_reply_becomes_the_persons_comment_without_the_quoted_email_or_the_signature(server, member, thread):
    to = reply_address(member, thread)
    send(server, an_email(to=to, sender=member.email.upper(), text=QUOTED_REPLY.format(to=to)))

    comment = Comment.objects.get()
    # The sign-off is theirs and stays; the signature below "--" and the quoted email go.
    assert comment.text == "I can come on Tuesday.\n\nShall I bring the leaflets?\n\nBest wishes,\nSam"
    for gone in ("Carers Voice", "07700", "wrote:", "Priya", ">"):
        assert gone not in comment.text
    assert (comment.thread, comment.author, comment.by_email) == (thread, member, True)
    inbound = InboundEmail.objects.get()
    assert (inbound.result, inbound.user, inbound.thread, inbound.comment) == (
        InboundEmail.Result.COMMENTED,
        member,
        thread,
        comment,
    )
    thread.refresh_from_db()
    assert thread.comment_count == 1
    assert not answers()


def test_an_html_only_reply_is_made_into_text_without_the_quoted_email(server, member, thread):
    to = reply_address(member, thread)
    email = an_email(to=to, sender=member.email, text="")
    email.set_content(
        "<html><body><div>Count me in.</div><div><br></div><div>Sam</div>"
        '<div class="gmail_quote"><div>On Mon wrote:</div><blockquote>Old text</blockquote></div></body></html>',
        subtype="html",
    )
    send(server, email)
    assert Comment.objects.get().text == "Count me in.\n\nSam"


def test_a_reply_from_another_address_is_refused_and_answered_at_that_address_only(server, member, thread, mailoutbox):
    to = reply_address(member, thread)
    send(server, an_email(to=to, sender="someone.else@example.net", text="I agree."))

    assert not Comment.objects.exists()
    inbound = InboundEmail.objects.get()
    assert (inbound.result, inbound.reason) == (InboundEmail.Result.REFUSED, REASONS["wrong_sender"][0])
    [answer] = answers()
    assert (answer.to_address, answer.recipient, answer.about) == ("someone.else@example.net", None, inbound)

    [email] = deliver(mailoutbox)
    assert email.to == ["someone.else@example.net"]
    assert "Replies must come from the email address the email was sent to." in email.body
    # Nothing about the member, their discussion or their Collaborative goes to an address not proven theirs.
    for private in (member.display_name, member.email, thread.title, thread.collaborative.name):
        assert private not in email.body
        assert private not in email.subject


def test_a_reply_from_an_address_the_person_has_not_verified_is_refused(server, member, thread):
    EmailAddressFactory(user=member, email="sam.home@example.net", verified=False, primary=False)
    to = reply_address(member, thread)
    send(server, an_email(to=to, sender="sam.home@example.net", text="I agree."))

    assert not Comment.objects.exists()
    assert InboundEmail.objects.get().reason == REASONS["wrong_sender"][0]
    assert [a.to_address for a in answers()] == ["sam.home@example.net"]


def test_a_reply_from_another_verified_address_of_theirs_is_their_comment(server, member, thread):
    EmailAddressFactory(user=member, email="sam.home@example.net", verified=True, primary=False)
    to = reply_address(member, thread)
    send(server, an_email(to=to, sender="Sam <sam.home@example.net>", text="From home."))
    assert Comment.objects.get().author == member


def test_an_envelope_sender_not_theirs_is_refused(server, member, thread):
    to = reply_address(member, thread)
    send(server, an_email(to=to, sender=member.email, text="I agree."), envelope_sender="forger@example.net")
    assert not Comment.objects.exists()
    assert InboundEmail.objects.get().reason == REASONS["wrong_sender"][0]


def test_the_same_email_twice_makes_one_comment_and_is_never_answered_twice(server, member, thread):
    to = reply_address(member, thread)
    email = an_email(to=to, sender=member.email, text="Only once, please.", message_id="<twice@mail.example.net>")
    send(server, email)
    send(server, email)
    # And two copies arriving at the same moment, as a relay retrying while the first is still being taken in.
    again = an_email(to=to, sender="other@example.net", text="Refused.", message_id="<together@mail.example.net>")
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: send(server, again), range(2)))

    assert Comment.objects.get().text == "Only once, please."
    assert InboundEmail.objects.count() == 2
    assert len(answers()) == 1


def test_a_reply_to_a_closed_discussion_is_refused_and_answered(server, member, thread, mailoutbox):
    Thread.objects.filter(pk=thread.pk).update(status=Thread.Status.CLOSED, closed_at=timezone.now())
    to = reply_address(member, thread)
    send(server, an_email(to=to, sender=member.email, text="One more thought."))

    assert not Comment.objects.exists()
    assert InboundEmail.objects.get().reason == REASONS["closed"][0]
    [email] = deliver(mailoutbox)
    assert email.to == [member.email]
    assert "This discussion has been closed" in email.body
    assert thread.title in email.body  # Their own address: they may know which discussion.


def test_a_reply_from_someone_no_longer_a_member_is_refused(server, member, thread):
    Membership.objects.filter(user=member).update(status=Membership.Status.LEFT, left_at=timezone.now())
    to = reply_address(member, thread)
    send(server, an_email(to=to, sender=member.email, text="Still here."))
    assert not Comment.objects.exists()
    assert InboundEmail.objects.get().reason == REASONS["not_a_member"][0]
    assert len(answers()) == 1


def test_a_reply_with_only_the_quoted_email_is_refused_as_empty(server, member, thread):
    to = reply_address(member, thread)
    send(server, an_email(to=to, sender=member.email, text=f"On Mon, 3 Mar 2025, Lambeth <{to}> wrote:\n> Hi\n"))
    assert not Comment.objects.exists()
    assert InboundEmail.objects.get().reason == REASONS["empty"][0]


def test_an_address_we_did_not_make_is_answered(server, member, thread, mailoutbox):
    send(server, an_email(to=f"reply+1-1-abcdefgh@{DOMAIN}", sender=member.email, text="Hello?"))

    assert not Comment.objects.exists()
    inbound = InboundEmail.objects.get()
    assert (inbound.reason, inbound.user, inbound.thread) == (REASONS["bad_address"][0], None, None)
    [email] = deliver(mailoutbox)
    assert email.to == [member.email]
    assert "We do not recognise the address you replied to" in email.body
    assert answers()[0].collaborative is None


@pytest.mark.parametrize(
    ("headers", "envelope_sender"),
    [
        ({"Auto_Submitted": "auto-replied"}, None),
        ({"Precedence": "bulk"}, None),
        ({"X_Autoreply": "yes"}, None),
        ({}, ""),  # A bounce: MAIL FROM:<>.
        ({"Sender": "x"}, "MAILER-DAEMON@mail.example.net"),
    ],
    ids=["auto-submitted", "precedence-bulk", "x-autoreply", "empty-return-path", "mailer-daemon"],
)
def test_automatic_replies_and_bounces_are_recorded_and_nothing_more(server, member, thread, headers, envelope_sender):
    to = reply_address(member, thread)
    email = an_email(to=to, sender=member.email, text="I am out of the office until Monday.", **headers)
    send(server, email, envelope_sender=envelope_sender)

    assert not Comment.objects.exists()
    assert InboundEmail.objects.get().reason == AUTOMATIC
    assert not answers()


def test_the_server_refuses_mail_for_any_other_domain(server, member, thread):
    email = an_email(to="someone@example.org", sender=member.email, text="Relay this?")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(server, email)
    assert refused.value.recipients["someone@example.org"][0] == 550
    assert not InboundEmail.objects.exists()


def test_the_server_refuses_an_email_over_the_size_limit(server, settings, member, thread):
    to = reply_address(member, thread)
    huge = an_email(to=to, sender=member.email, text="x" * 70 + "\n")
    huge.add_attachment(b"\0" * (settings.INBOUND_MAX_BYTES + 1024), maintype="application", subtype="octet-stream")
    raw = huge.as_bytes(policy=SMTP)
    # Said in advance (SIZE), as mail servers do, and not said: refused either way, and nothing is kept.
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(server, huge)
    assert refused.value.smtp_code == 552
    with smtplib.SMTP(*server, timeout=60) as smtp:
        smtp.ehlo()
        smtp.mail(member.email)
        smtp.rcpt(to)
        code, _reply = smtp.data(raw)
    assert code == 552
    assert not InboundEmail.objects.exists()
    assert not Comment.objects.exists()
