"""Reply addresses (discussions/links.py): unique to the person and the discussion, signed, and safe to lower-case;
and the Reply-To that emails about a discussion carry, only when replying by email is on."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from discussions.links import BadReplyAddress, reply_address, reply_address_check, reply_to_for_thread
from discussions.models import Comment, Thread
from notifications import kinds
from notifications.delivery import messages_claim, messages_send
from notifications.kinds import Kind
from notifications.models import Message

DOMAIN = "reply.lambeth.example.org"


@pytest.fixture
def replying(settings):
    settings.REPLY_EMAIL_DOMAIN = DOMAIN
    settings.REPLY_EMAIL_PREFIX = "reply"


@pytest.fixture
def thread(collaborative, facilitator):
    return Thread.objects.create(
        collaborative=collaborative, title="A crisis cafe on Saturdays", text="Shall we ask?", started_by=facilitator
    )


def test_an_address_names_the_person_and_the_discussion_and_survives_lower_and_upper_case(replying, member, thread):
    address = reply_address(member, thread)
    local, _at, domain = address.partition("@")
    assert domain == DOMAIN
    assert local.startswith("reply+")
    assert len(local) <= 64
    assert address == address.lower()
    assert reply_address_check(address) == (member.pk, thread.pk)
    assert reply_address_check(address.upper()) == (member.pk, thread.pk)
    assert reply_address_check(f"  {address}\n") == (member.pk, thread.pk)


def test_each_person_and_each_discussion_has_its_own_address(replying, member, facilitator, thread, collaborative):
    other = Thread.objects.create(collaborative=collaborative, title="Another", text="Text", started_by=facilitator)
    addresses = {reply_address(member, thread), reply_address(facilitator, thread), reply_address(member, other)}
    assert len(addresses) == 3


def test_a_changed_token_is_refused(replying, member, facilitator, thread):
    address = reply_address(member, thread)
    local, _at, domain = address.partition("@")
    _prefix, _plus, token = local.partition("+")
    user_part, thread_part, signature = token.split("-")
    # Someone else's id with this person's signature, another discussion's, a changed signature, a cut one.
    tampered = [
        f"reply+{facilitator.pk:x}-{thread_part}-{signature}@{domain}",
        f"reply+{user_part}-{thread_part}1-{signature}@{domain}",
        f"reply+{user_part}-{thread_part}-{'a' if signature[0] != 'a' else 'b'}{signature[1:]}@{domain}",
        f"reply+{user_part}-{thread_part}-{signature[:-1]}@{domain}",
        f"reply+{user_part}-{thread_part}@{domain}",
        f"other+{token}@{domain}",
        f"reply+{token}@example.org",
        f"reply{token}@{domain}",
        "not an address",
    ]
    for address in tampered:
        with pytest.raises(BadReplyAddress):
            reply_address_check(address)


def test_a_token_signed_with_another_secret_key_is_refused(replying, settings, member, thread):
    address = reply_address(member, thread)
    settings.SECRET_KEY = "another-secret-key-for-another-site-altogether"
    with pytest.raises(BadReplyAddress):
        reply_address_check(address)


def test_with_no_reply_domain_replying_is_off(settings, member, thread):
    settings.REPLY_EMAIL_DOMAIN = ""
    with pytest.raises(BadReplyAddress):
        reply_address_check(f"reply+1-1-abc@{DOMAIN}")


# The Reply-To on emails about a discussion: a kind gives it with `reply_to` (the threads part's kinds use
# reply_to_for_thread); delivery sets the header and the email says you can reply.


@pytest.fixture
def about_a_discussion(monkeypatch):
    """A kind of email about a discussion, registered for this test only (templates of an existing kind)."""
    kind = Kind(key="welcome", label="About a discussion", description="For this test.", reply_to=reply_to_for_thread)
    monkeypatch.setattr(kinds, "_registry", {**kinds._registry, "welcome": kind})
    return kind


def queue_and_deliver(about, recipient, collaborative, mailoutbox):
    message = Message.objects.create(
        recipient=recipient,
        collaborative=collaborative,
        kind="welcome",
        about_type=ContentType.objects.get_for_model(about),
        about_id=about.pk,
    )
    claim, ids = messages_claim(now=timezone.now() + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT, message.last_error
    return mailoutbox[-1]


def test_an_email_about_a_discussion_carries_the_persons_reply_address_and_says_so(
    replying, about_a_discussion, member, collaborative, thread, mailoutbox
):
    email = queue_and_deliver(thread, member, collaborative, mailoutbox)
    assert email.reply_to == [reply_address(member, thread)]
    assert email.message()["Reply-To"] == reply_address(member, thread)
    assert "You can reply to this email to add a comment." in email.body
    assert "You can reply to this email to add a comment." in email.alternatives[0].content


def test_an_email_about_a_comment_carries_the_address_of_its_discussion(
    replying, about_a_discussion, member, facilitator, collaborative, thread, mailoutbox
):
    comment = Comment.objects.create(thread=thread, author=facilitator, text="Yes, let us ask.")
    email = queue_and_deliver(comment, member, collaborative, mailoutbox)
    assert email.reply_to == [reply_address(member, thread)]


def test_with_replying_off_or_the_discussion_closed_there_is_no_reply_to_and_no_line(
    settings, about_a_discussion, member, collaborative, thread, mailoutbox
):
    settings.REPLY_EMAIL_DOMAIN = ""
    email = queue_and_deliver(thread, member, collaborative, mailoutbox)
    assert email.reply_to == []
    assert "Reply-To" not in email.message()
    assert "You can reply" not in email.body

    settings.REPLY_EMAIL_DOMAIN = DOMAIN
    Thread.objects.filter(pk=thread.pk).update(status=Thread.Status.CLOSED, closed_at=timezone.now())
    Message.objects.all().delete()
    email = queue_and_deliver(thread, member, collaborative, mailoutbox)
    assert email.reply_to == []
    assert "You can reply" not in email.body
