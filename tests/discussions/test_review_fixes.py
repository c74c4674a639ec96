"""What a review of issue 18 found (the second ways to the same data): each test here failed before its fix."""

from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.db import transaction
from django.utils import timezone

from discussions.emails import COMMENT_POSTED, THREAD_STARTED
from discussions.inbound import inbound_email_receive
from discussions.links import reply_address
from discussions.models import Comment, Following, InboundEmail, Seen, Thread
from discussions.services import comment_add, thread_follow, thread_start
from members.emails import DIGEST
from notifications.delivery import messages_claim, messages_send
from notifications.digest import NOTHING_LEFT, digests_gather
from notifications.models import Message, Preference

pytestmark = pytest.mark.django_db


def deliver(now=None) -> None:
    claim, ids = messages_claim(now=now or timezone.now() + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)


@pytest.fixture
def thread(people, collaborative) -> Thread:
    return thread_start(collaborative=collaborative, by=people["facilitator"], title="Weekends", text="Open then?")


def test_muting_after_a_message_was_kept_for_the_digest_keeps_it_out_of_the_digest(
    people, collaborative, thread, mailoutbox
):
    member = people["member"]
    Preference.objects.create(user=member, kind=COMMENT_POSTED.key, in_digest=True)
    thread_follow(user=member, thread=thread, state=Following.State.FOLLOWING)
    comment_add(thread=thread, author=people["facilitator"], text="Saturdays suit the carers best.")
    deliver()
    kept = Message.objects.filter(recipient=member, status=Message.Status.HELD)
    assert set(kept.values_list("kind", flat=True)) == {THREAD_STARTED.key, COMMENT_POSTED.key}
    # Muting wins over everything: what was kept for the digest goes too.
    thread_follow(user=member, thread=thread, state=Following.State.MUTED)
    digests_gather(now=timezone.now() + timedelta(days=2))
    deliver(now=timezone.now() + timedelta(days=3))
    digest = Message.objects.get(recipient=member, kind=DIGEST.key)
    assert (digest.status, digest.last_error) == (Message.Status.SKIPPED, NOTHING_LEFT)
    assert not [email for email in mailoutbox if member.email in email.to]


def test_a_reply_by_email_is_a_comment_like_any_other_and_its_followers_hear_of_it(
    settings, people, collaborative, thread
):
    settings.REPLY_EMAIL_DOMAIN = "reply.lambeth.example.org"
    member = people["member"]
    email = EmailMessage()
    email["From"], email["To"], email["Message-ID"] = member.email, reply_address(member, thread), "<1@example.net>"
    email["Subject"] = "Re: Weekends"
    email.set_content("Saturday mornings suit me.")
    with transaction.atomic():
        row = inbound_email_receive(raw=email.as_bytes(), recipients=[email["To"]])
    assert row.result == InboundEmail.Result.COMMENTED
    comment = Comment.objects.get(thread=thread)
    assert (comment.author, comment.by_email) == (member, True)
    # Whoever follows the discussion hears of it, as of a comment made on the site; the writer now follows it.
    told = Message.objects.filter(kind=COMMENT_POSTED.key, about_id=comment.pk).values_list("recipient", flat=True)
    assert list(told) == [people["facilitator"].pk]
    assert Following.objects.get(user=member, thread=thread).state == Following.State.FOLLOWING
    assert Seen.objects.filter(user=member, thread=thread).exists()


def test_a_hidden_or_withdrawn_comment_takes_no_replies(client, people, collaborative, thread):
    from django.urls import reverse

    from discussions.services import comment_hide, comment_withdraw

    hidden = comment_add(thread=thread, author=people["member"], text="Rude words.")
    comment_hide(comment=hidden, by=people["facilitator"], reason="Ground rule 2: be kind.")
    withdrawn = comment_add(thread=thread, author=people["member"], text="Taken back.")
    comment_withdraw(comment=withdrawn, by=people["member"])
    client.force_login(people["commissioner"])
    address = reverse("discussions:comment_add", kwargs={"slug": collaborative.slug, "pk": thread.pk})
    for parent in (hidden, withdrawn):
        response = client.post(address, {"text": "I agree with this.", "parent": parent.pk})
        assert response.status_code == 400
        assert "takes no replies" in response.text
        assert not Comment.objects.filter(parent=parent).exists()
    page = client.get(thread.get_absolute_url()).text
    assert f'name="parent" value="{hidden.pk}"' not in page
    assert f'name="parent" value="{withdrawn.pk}"' not in page


@pytest.mark.parametrize("parent", ["99999999999999999999999", "-1", "abc"])
def test_a_made_up_comment_to_reply_to_is_refused_plainly(client, people, collaborative, thread, parent):
    from django.urls import reverse

    client.force_login(people["member"])
    address = reverse("discussions:comment_add", kwargs={"slug": collaborative.slug, "pk": thread.pk})
    response = client.post(address, {"text": "Hello", "parent": parent})
    assert response.status_code == 400
    assert not Comment.objects.filter(thread=thread).exists()
